//! Hostile and unlucky files (issue 11): a header declaring terabytes, a deflate bomb, a shape
//! with a zero next to a huge dimension are errors naming the parameter, not an abort or a
//! panic, and cost no more memory than the parameter; compressed `.npz` loads; every save is
//! atomic (two threads saving to one path leave one whole model), keeps the target's
//! permissions, writes through a symbolic link and leaves no temporary behind on error; a
//! parameter named `__metadata__` is refused; an f16 signalling NaN keeps its bits.

#[path = "common/npy_files.rs"]
mod npy_files;

use std::path::{Path, PathBuf};

use ndarray::Array1;
use npy_files::{npy, npy_ordered, npz};
use weight_init::export::{
    load_npy, load_npz, load_safetensors, save_npy, save_npz, save_safetensors,
};
use weight_init::{ErrorKind, InitError, Initialize};

fn dir(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("file_safety")
        .join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[derive(Initialize, Debug, PartialEq)]
#[init(config = ())]
struct Small {
    #[init(normal(std = 1.0), shape = 4)]
    w: Array1<f32>,
}

fn small(v: f32) -> Small {
    Small {
        w: Array1::from_elem(4, v),
    }
}

fn format_error(e: &InitError) -> bool {
    matches!(e.kind(), ErrorKind::Format { .. })
}

/// This process's peak resident memory (VmHWM), in KiB (0 where /proc is not there).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// A 152-byte `.npy` declaring (2^40,) f32 (4 TiB): an error, not a 4 TiB allocation
/// (SIGABRT before); the same header with the parameter's shape but no data: an error saying
/// how many bytes the file lacks.
#[test]
fn a_npy_declaring_terabytes_is_an_error() {
    let d = dir("tib_npy");
    let f = d.join("w.npy");
    let hostile = npy("<f4", "(1099511627776,)", &[]);
    std::fs::write(&f, &hostile).unwrap();
    let before = peak_kib();
    let mut w = vec![0.0f32; 4];
    let e = load_npy(&mut w, &f).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::ShapeMismatch { got, .. } if got == &[1 << 40]),
        "{e}"
    );
    // f16, through our own reader before
    #[cfg(feature = "half")]
    {
        let hostile = npy("<f2", "(1099511627776,)", &[]);
        std::fs::write(&f, &hostile).unwrap();
        let mut h = vec![weight_init::half::f16::ZERO; 4];
        let e = load_npy(&mut h, &f).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    }
    // in a .npz, named by the parameter
    let z = d.join("m.npz");
    std::fs::write(&z, npz(&[("w", &hostile)], false)).unwrap();
    let mut m = small(0.0);
    let e = load_npz(&mut m, &z).unwrap_err();
    assert_eq!(e.path(), Some("w"), "{e}");
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    assert!(
        peak_kib() < before + 64 * 1024,
        "peak grew from {before} to {} KiB",
        peak_kib()
    );
    // the parameter's own shape, but the data missing or short: an error before any read
    std::fs::write(&f, npy("<f4", "(4,)", &[0; 12])).unwrap();
    let e = load_npy(&mut w, &f).unwrap_err();
    assert!(format_error(&e), "{e}");
    assert!(e.to_string().contains("16 bytes"), "{e}");
    assert_eq!(w, [0.0; 4]);
}

/// A zero dimension next to one above `isize::MAX` (a panic inside ndarray-npy before).
#[test]
fn a_zero_next_to_a_huge_dimension_is_an_error() {
    let d = dir("zero_huge");
    let f = d.join("w.npy");
    let hostile = npy("<f4", "(0, 9223372036854775808)", &[]);
    std::fs::write(&f, &hostile).unwrap();
    let e = load_npy(&mut vec![0.0f32; 4], &f).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    let z = d.join("m.npz");
    std::fs::write(&z, npz(&[("w", &hostile)], false)).unwrap();
    let e = load_npz(&mut small(0.0), &z).unwrap_err();
    assert_eq!(e.path(), Some("w"), "{e}");
    // a dimension beyond u64, a negative one, a shape that is no tuple
    let deep = format!("{}4{}", "(".repeat(30_000), ")".repeat(30_000));
    for shape in ["(99999999999999999999999,)", "(-4,)", "'x'", &deep] {
        std::fs::write(&f, npy("<f4", shape, &[])).unwrap();
        let e = load_npy(&mut vec![0.0f32; 4], &f).unwrap_err();
        assert!(format_error(&e), "{}: {e}", &shape[..shape.len().min(40)]);
    }
}

/// `np.savez_compressed` files load; a deflate bomb (an entry whose header says 4 f32 and
/// whose data inflates to 64 MiB) is an error after reading no more than the parameter's bytes.
#[test]
fn compressed_npz_loads_and_a_deflate_bomb_is_bounded() {
    let d = dir("compressed");
    let data: Vec<u8> = [1.5f32, -2.0, 0.25, 8.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let z = d.join("m.npz");
    std::fs::write(&z, npz(&[("w", &npy("<f4", "(4,)", &data))], true)).unwrap();
    let mut m = small(0.0);
    load_npz(&mut m, &z).unwrap();
    assert_eq!(m.w.to_vec(), [1.5, -2.0, 0.25, 8.0]);

    let mut bomb = npy("<f4", "(4,)", &data);
    bomb.resize(64 << 20, 0);
    std::fs::write(&z, npz(&[("w", &bomb)], true)).unwrap();
    assert!(std::fs::metadata(&z).unwrap().len() < 1 << 20);
    let before = peak_kib();
    let e = load_npz(&mut m, &z).unwrap_err();
    assert!(format_error(&e), "{e}");
    assert_eq!(e.path(), Some("w"));
    assert!(
        peak_kib() < before + 16 * 1024,
        "peak grew from {before} to {} KiB",
        peak_kib()
    );
    assert_eq!(m.w.to_vec(), [1.5, -2.0, 0.25, 8.0]);
}

/// Big-endian and Fortran-order `.npy` files (what NumPy writes for `>f4` or `order='F'`)
/// read in logical order.
#[test]
fn big_endian_and_fortran_order() {
    let d = dir("orders");
    let f = d.join("w.npy");
    let be: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    std::fs::write(&f, npy(">f4", "(4,)", &be)).unwrap();
    let mut w = vec![0.0f32; 4];
    load_npy(&mut w, &f).unwrap();
    assert_eq!(w, [1.0, 2.0, 3.0, 4.0]);
    // column-major [[1, 2, 3], [4, 5, 6]]
    let cm: Vec<u8> = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    std::fs::write(&f, npy_ordered("<f8", true, "(2, 3)", &cm)).unwrap();
    let mut a = ndarray::Array2::<f64>::zeros((2, 3));
    load_npy(&mut a, &f).unwrap();
    assert_eq!(a, ndarray::arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]));
}

/// A safetensors tensor of the wrong shape is refused before its data is copied.
#[test]
fn safetensors_shape_checked_first() {
    let d = dir("st_shape");
    let f = d.join("m.safetensors");
    #[derive(Initialize)]
    #[init(config = ())]
    struct Big {
        #[init(zeros, shape = 1 << 20)]
        w: Array1<f32>,
    }
    let big = Big {
        w: Array1::zeros(1 << 20),
    };
    save_safetensors(&big, &f).unwrap();
    let e = load_safetensors(&mut small(0.0), &f).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ShapeMismatch { .. }), "{e}");
    assert_eq!(e.path(), Some("w"));
}

/// A save of `Small` to a path.
type Save = fn(&Small, &Path) -> Result<(), InitError>;
/// A load of `Small` from a path.
type Load = fn(&mut Small, &Path) -> Result<(), InitError>;

/// Saves `a` or `b` from two threads to one path, many times: every save is Ok or a clean
/// error, and after each round the file is one of the two models, whole.
fn race(path: &Path, save: Save, load: Load) {
    let (a, b) = (big_small(1.0), big_small(2.0));
    for round in 0..10 {
        std::thread::scope(|s| {
            for m in [&a, &b] {
                s.spawn(move || {
                    for _ in 0..3 {
                        if let Err(e) = save(m, path) {
                            assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
                        }
                    }
                });
            }
        });
        let mut back = big_small(0.0);
        load(&mut back, path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(back == a || back == b, "round {round}: a mix of two models");
    }
    let dir = path.parent().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporaries left behind: {left:?}");
}

/// `Small` with 256 Ki values, so that a save takes long enough for two to overlap.
fn big_small(v: f32) -> Small {
    Small {
        w: Array1::from_elem(1 << 18, v),
    }
}

#[test]
fn two_threads_saving_to_one_path_leave_one_whole_model() {
    let d = dir("race");
    race(
        &d.join("m.safetensors"),
        |m, p| save_safetensors(m, p),
        |m, p| load_safetensors(m, p),
    );
    race(
        &d.join("m.npz"),
        |m, p| save_npz(m, p),
        |m, p| load_npz(m, p),
    );
    race(
        &d.join("w.npy"),
        |m, p| save_npy(&m.w, p),
        |m, p| load_npy(&mut m.w, p),
    );
}

/// A 0600 file stays 0600; a symbolic link is written through (the link stays, its target
/// gets the model); a save that fails (the target is a directory, or its directory is missing)
/// leaves no temporary behind.
#[cfg(unix)]
#[test]
fn saves_keep_permissions_follow_links_and_clean_up() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir("perms");
    let saves: [(&str, Save); 3] = [
        ("m.safetensors", |m, p| save_safetensors(m, p)),
        ("m.npz", |m, p| save_npz(m, p)),
        ("w.npy", |m, p| save_npy(&m.w, p)),
    ];
    for (name, save) in saves {
        let f = d.join(name);
        save(&small(1.0), &f).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        save(&small(2.0), &f).unwrap();
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");

        let real = d.join(format!("real-{name}"));
        let link = d.join(format!("link-{name}"));
        save(&small(1.0), &real).unwrap();
        std::os::unix::fs::symlink(format!("real-{name}"), &link).unwrap();
        save(&small(3.0), &link).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{name}: the link was replaced"
        );
        let bytes = std::fs::read(&real).unwrap();
        assert_eq!(bytes, std::fs::read(&link).unwrap());
        let probe = d.join(format!("probe-{name}"));
        save(&small(3.0), &probe).unwrap();
        assert_eq!(bytes, std::fs::read(&probe).unwrap(), "{name}");

        // a dangling link: the file it names is created
        let dangling = d.join(format!("dangling-{name}"));
        std::os::unix::fs::symlink(format!("new-{name}"), &dangling).unwrap();
        save(&small(3.0), &dangling).unwrap();
        assert_eq!(bytes, std::fs::read(d.join(format!("new-{name}"))).unwrap());

        let sub = d.join(format!("dir-{name}"));
        std::fs::create_dir(&sub).unwrap();
        let e = save(&small(1.0), &sub).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
        let e = save(&small(1.0), &d.join("missing").join(name)).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
    }
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporaries left behind: {left:?}");
}

/// A parameter whose state-dict name is `__metadata__` would make a safetensors file no one can
/// load: refused, naming it.
#[test]
fn a_parameter_named_metadata_is_refused() {
    #[allow(non_snake_case)]
    #[derive(Initialize)]
    #[init(config = ())]
    struct Odd {
        #[init(zeros, shape = 2)]
        __metadata__: Array1<f32>,
    }
    let m = Odd {
        __metadata__: Array1::zeros(2),
    };
    let d = dir("metadata");
    let e = save_safetensors(&m, d.join("m.safetensors")).unwrap_err();
    assert_eq!(e.path(), Some("__metadata__"), "{e}");
    assert!(!d.join("m.safetensors").exists());
}

/// An f16 signalling NaN (and a NaN with a payload) keeps its bits through every format.
#[cfg(feature = "half")]
#[test]
fn f16_nan_payloads_keep_their_bits() {
    use weight_init::half::f16;
    #[derive(Initialize, Debug)]
    #[init(config = ())]
    struct H {
        #[init(zeros, shape = 3)]
        w: Array1<f16>,
    }
    let bits = [0x7c01u16, 0xfd55, 0x7e00];
    let m = H {
        w: bits.iter().map(|&b| f16::from_bits(b)).collect(),
    };
    let got = |h: &H| h.w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let d = dir("snan");
    let zero = || H {
        w: Array1::from_elem(3, f16::ZERO),
    };

    let bytes = weight_init::export::to_safetensors_bytes(&m).unwrap();
    let mut back = zero();
    weight_init::export::from_safetensors_bytes(&mut back, &bytes).unwrap();
    assert_eq!(got(&back), bits, "safetensors");

    save_npz(&m, d.join("h.npz")).unwrap();
    let mut back = zero();
    load_npz(&mut back, d.join("h.npz")).unwrap();
    assert_eq!(got(&back), bits, "npz");

    save_npy(&m.w, d.join("h.npy")).unwrap();
    let mut back = zero();
    load_npy(&mut back.w, d.join("h.npy")).unwrap();
    assert_eq!(got(&back), bits, "npy");
}
