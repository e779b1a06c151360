//! The two paths of every save and load (issue 15): a contiguous parameter is written from and
//! read into its own memory in place, any other (here: arrays in Fortran layout, so strided in
//! logical order) through a converting buffer of 1 MiB. Both paths must give the same bytes and
//! the same values, bit for bit, for parameters larger than the buffer; big-endian `.npy` data
//! is converted on either path; a stored `.npz` entry whose CRC-32 is wrong is refused before
//! any parameter is written; `SaveOptions::durable` changes nothing in the bytes written.
//! With `half`: f16 and bf16 on both paths.

#[path = "common/npy_files.rs"]
mod npy_files;

use std::path::PathBuf;

use ndarray::{Array2, Array3, ShapeBuilder};
use npy_files::{npy, npz};
use weight_init::Initialize;
use weight_init::export::{
    SaveOptions, from_safetensors_bytes, load_npy, load_npz, load_safetensors, save_npy,
    save_npy_with_options, save_npz, save_npz_with_options, save_safetensors,
    save_safetensors_with_options, to_safetensors_bytes,
};

fn dir(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("io_layouts")
        .join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Parameters larger than the 1 MiB buffer (`big`: 1.6 MiB of f32; `deep`: 1.4 MiB of f64) and
/// a small one, in the layout the constructor chose.
#[derive(Initialize, Debug, PartialEq)]
#[init(config = ())]
struct Model {
    #[init(normal(std = 1.0), shape = (700, 600))]
    big: Array2<f32>,
    #[init(uniform(-2.0, 2.0), shape = (40, 70, 64))]
    deep: Array3<f64>,
    #[init(normal(std = 0.5), shape = (3, 5))]
    small: Array2<f32>,
}

/// Zeros, in row-major (contiguous, logical) layout, or in column-major layout (strided in
/// logical order: the buffered path).
fn zeros(fortran: bool) -> Model {
    if fortran {
        Model {
            big: Array2::zeros((700, 600).f()),
            deep: Array3::zeros((40, 70, 64).f()),
            small: Array2::zeros((3, 5).f()),
        }
    } else {
        Model {
            big: Array2::zeros((700, 600)),
            deep: Array3::zeros((40, 70, 64)),
            small: Array2::zeros((3, 5)),
        }
    }
}

fn seeded(fortran: bool) -> Model {
    let mut m = zeros(fortran);
    m.init_seeded(15).unwrap();
    assert_eq!(m.big.as_slice().is_some(), !fortran);
    m
}

/// Every value's bits, in logical order.
fn bits(m: &Model) -> (Vec<u32>, Vec<u64>, Vec<u32>) {
    (
        m.big.iter().map(|x| x.to_bits()).collect(),
        m.deep.iter().map(|x| x.to_bits()).collect(),
        m.small.iter().map(|x| x.to_bits()).collect(),
    )
}

/// The values are keyed: both layouts hold the same logical values, so the files must be the
/// same bytes; and every file loads into either layout with every bit.
#[test]
fn contiguous_and_strided_parameters_give_the_same_files_and_values() {
    let (c, f) = (seeded(false), seeded(true));
    assert_eq!(bits(&c), bits(&f));

    let st = to_safetensors_bytes(&c).unwrap();
    assert_eq!(st, to_safetensors_bytes(&f).unwrap());
    let d = dir("layouts");
    for (name, source) in [("c", &c), ("f", &f)] {
        let st_path = d.join(format!("{name}.safetensors"));
        let npz_path = d.join(format!("{name}.npz"));
        let npy_path = d.join(format!("{name}.npy"));
        save_safetensors(source, &st_path).unwrap();
        assert_eq!(std::fs::read(&st_path).unwrap(), st, "{name}");
        save_npz(source, &npz_path).unwrap();
        save_npy(&source.big, &npy_path).unwrap();
        for fortran in [false, true] {
            let mut back = zeros(fortran);
            load_safetensors(&mut back, &st_path).unwrap();
            assert_eq!(bits(&back), bits(&c), "{name} -> fortran {fortran}");
            let mut back = zeros(fortran);
            from_safetensors_bytes(&mut back, &st).unwrap();
            assert_eq!(bits(&back), bits(&c), "{name} bytes -> fortran {fortran}");
            let mut back = zeros(fortran);
            load_npz(&mut back, &npz_path).unwrap();
            assert_eq!(bits(&back), bits(&c), "{name} npz -> fortran {fortran}");
            let mut back = zeros(fortran);
            load_npy(&mut back.big, &npy_path).unwrap();
            assert_eq!(bits(&back).0, bits(&c).0, "{name} npy -> fortran {fortran}");
        }
    }
    assert_eq!(
        std::fs::read(d.join("c.npz")).unwrap(),
        std::fs::read(d.join("f.npz")).unwrap()
    );
    assert_eq!(
        std::fs::read(d.join("c.npy")).unwrap(),
        std::fs::read(d.join("f.npy")).unwrap()
    );
}

/// Big-endian data (NumPy's `'>f4'`, `'>f8'`) larger than the buffer is converted on both
/// paths, from a `.npy` and from a `.npz`.
#[test]
fn big_endian_arrays_are_converted_on_both_paths() {
    let c = seeded(false);
    let d = dir("big_endian");
    let be_big: Vec<u8> = c.big.iter().flat_map(|x| x.to_be_bytes()).collect();
    let be_deep: Vec<u8> = c.deep.iter().flat_map(|x| x.to_be_bytes()).collect();
    let le_small: Vec<u8> = c.small.iter().flat_map(|x| x.to_le_bytes()).collect();
    let big = npy(">f4", "(700, 600)", &be_big);
    let deep = npy(">f8", "(40, 70, 64)", &be_deep);
    let small = npy("<f4", "(3, 5)", &le_small);
    std::fs::write(d.join("big.npy"), &big).unwrap();
    std::fs::write(
        d.join("m.npz"),
        npz(&[("big", &big), ("deep", &deep), ("small", &small)], false),
    )
    .unwrap();
    for fortran in [false, true] {
        let mut back = zeros(fortran);
        load_npz(&mut back, d.join("m.npz")).unwrap();
        assert_eq!(bits(&back), bits(&c), "npz, fortran {fortran}");
        let mut back = zeros(fortran);
        load_npy(&mut back.big, d.join("big.npy")).unwrap();
        assert_eq!(bits(&back).0, bits(&c).0, "npy, fortran {fortran}");
    }
}

/// Every entry of a `.npz` is read through, and its CRC-32 checked, before any parameter is
/// written: one flipped bit in the data of the last entry leaves every parameter as it was,
/// those read before it included.
#[test]
fn a_stored_npz_entry_with_a_wrong_crc_changes_nothing() {
    let c = seeded(false);
    let d = dir("crc");
    let path = d.join("m.npz");
    save_npz(&c, &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    // the entries are in declaration order: the last data byte of `small` precedes the central
    // directory; find it from the known layout of its values
    let small_le: Vec<u8> = c.small.iter().flat_map(|x| x.to_le_bytes()).collect();
    let at = bytes
        .windows(small_le.len())
        .rposition(|w| w == small_le)
        .expect("the data of `small` is stored as is")
        + small_le.len()
        - 1;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let mut back = zeros(false);
    let e = load_npz(&mut back, &path).unwrap_err();
    assert_eq!(e.path(), Some("small"), "{e}");
    assert!(e.to_string().contains("small"), "{e}");
    assert_eq!(
        back,
        zeros(false),
        "a parameter was written before the error"
    );
}

/// `SaveOptions::durable` (fsync of the file and of its directory) writes the same bytes as a
/// plain save, in every format, and replaces an existing file as atomically.
#[test]
fn durable_saves_write_the_same_bytes() {
    let c = seeded(false);
    let d = dir("durable");
    let durable = SaveOptions::new().with_durable(true);
    assert!(durable.durable);
    assert_eq!(SaveOptions::new(), SaveOptions::default());
    let read = |name: &str| std::fs::read(d.join(name)).unwrap();

    save_safetensors(&c, d.join("a.safetensors")).unwrap();
    std::fs::write(d.join("b.safetensors"), b"an old file").unwrap();
    save_safetensors_with_options(&c, d.join("b.safetensors"), &[], durable).unwrap();
    assert_eq!(read("a.safetensors"), read("b.safetensors"));

    save_npz(&c, d.join("a.npz")).unwrap();
    save_npz_with_options(&c, d.join("b.npz"), durable).unwrap();
    assert_eq!(read("a.npz"), read("b.npz"));

    save_npy(&c.deep, d.join("a.npy")).unwrap();
    save_npy_with_options(&c.deep, d.join("b.npy"), durable).unwrap();
    assert_eq!(read("a.npy"), read("b.npy"));

    // nothing left behind but the six files
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a.npy",
            "a.npz",
            "a.safetensors",
            "b.npy",
            "b.npz",
            "b.safetensors"
        ]
    );
}

/// f16 and bf16 parameters larger than the buffer, contiguous and strided: the same bytes and
/// every bit back through safetensors, and f16 through `.npz`.
#[cfg(feature = "half")]
#[test]
fn half_precision_on_both_paths() {
    use weight_init::half::{bf16, f16};

    #[derive(Initialize, Debug, PartialEq)]
    #[init(config = ())]
    struct Half {
        #[init(normal(std = 1.0), shape = (900, 700))]
        h: Array2<f16>,
        #[init(normal(std = 1.0), shape = (700, 900))]
        b: Array2<bf16>,
    }
    let make = |fortran: bool| {
        if fortran {
            Half {
                h: Array2::from_elem((900, 700).f(), f16::ZERO),
                b: Array2::from_elem((700, 900).f(), bf16::ZERO),
            }
        } else {
            Half {
                h: Array2::from_elem((900, 700), f16::ZERO),
                b: Array2::from_elem((700, 900), bf16::ZERO),
            }
        }
    };
    let hbits = |m: &Half| -> (Vec<u16>, Vec<u16>) {
        (
            m.h.iter().map(|x| x.to_bits()).collect(),
            m.b.iter().map(|x| x.to_bits()).collect(),
        )
    };
    let mut c = make(false);
    c.init_seeded(3).unwrap();
    let mut f = make(true);
    f.init_seeded(3).unwrap();
    assert_eq!(hbits(&c), hbits(&f));
    let st = to_safetensors_bytes(&c).unwrap();
    assert_eq!(st, to_safetensors_bytes(&f).unwrap());
    let d = dir("half");
    save_npy(&f.h, d.join("h.npy")).unwrap();
    for fortran in [false, true] {
        let mut back = make(fortran);
        from_safetensors_bytes(&mut back, &st).unwrap();
        assert_eq!(hbits(&back), hbits(&c), "fortran {fortran}");
        let mut h = make(fortran).h;
        load_npy(&mut h, d.join("h.npy")).unwrap();
        assert_eq!(
            h.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            hbits(&c).0
        );
    }
}
