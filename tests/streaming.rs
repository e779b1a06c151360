//! Saving and loading safetensors, and saving `.npz`/`.npy`, stream (issue 15): the memory a
//! save or a load takes beyond the model is a few chunks, not a copy of the model or of the
//! file, and a non-contiguous parameter streams too. One test in its own binary, so that the process's peak memory
//! (VmHWM) is this test's alone.

use ndarray::{Array2, ShapeBuilder};
use weight_init::Initialize;
use weight_init::export::{
    load_npz, load_safetensors, save_npy, save_npz, save_safetensors, to_safetensors_bytes,
};

#[derive(Initialize)]
struct Big {
    #[init(normal(0.0, 1.0))]
    w: Vec<f32>,
    /// Column-major: no logical slice, the element-by-element path.
    #[init(uniform(-1.0, 1.0))]
    t: Array2<f64>,
}

/// This process's peak resident memory (VmHWM), in MiB (`None` where /proc is not there).
fn peak_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[test]
fn a_save_and_a_load_hold_no_copy_of_the_model() {
    const N: usize = 16 << 20; // 64 MiB of f32
    let mut m = Big {
        w: vec![0.0; N],
        t: Array2::zeros((300, 200).f()),
    };
    m.init_seeded(3).unwrap();
    let dir = std::env::temp_dir().join(format!("wi-streaming-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.safetensors");

    let before = peak_mib();
    save_safetensors(&m, &file).unwrap();
    let after_save = peak_mib();
    // the bytes are those of the in-memory serialisation (checked against the safetensors
    // crate's in the unit tests), for the small parameter through the element-by-element path
    let small = Big {
        w: vec![0.5, -0.25],
        t: m.t.clone(),
    };
    let bytes = to_safetensors_bytes(&small).unwrap();
    let mut back = Big {
        w: vec![0.0; 2],
        t: Array2::zeros((300, 200).f()),
    };
    weight_init::export::from_safetensors_bytes(&mut back, &bytes).unwrap();
    assert_eq!(back.w, small.w);
    assert_eq!(back.t, small.t);

    let mut loaded = Big {
        w: vec![1.0; N],
        t: Array2::zeros((300, 200).f()),
    };
    let before_load = peak_mib();
    load_safetensors(&mut loaded, &file).unwrap();
    let after_load = peak_mib();
    assert!(loaded.w == m.w, "the values came back changed");
    assert_eq!(loaded.t, m.t);

    let npz = dir.join("big.npz");
    let before_npz = peak_mib();
    save_npz(&m, &npz).unwrap();
    save_npy(&m.w, dir.join("w.npy")).unwrap();
    let after_npz = peak_mib();
    let mut from_npz = Big {
        w: vec![0.0; N],
        t: Array2::zeros((300, 200).f()),
    };
    load_npz(&mut from_npz, &npz).unwrap();
    assert!(from_npz.w == m.w, "the .npz values came back changed");
    assert_eq!(from_npz.t, m.t);
    std::fs::remove_dir_all(&dir).unwrap();
    if let (Some(b), Some(a)) = (before_npz, after_npz) {
        assert!(
            a - b < 16.0,
            "the .npz/.npy saves raised the peak from {b:.1} to {a:.1} MiB"
        );
    }

    if let (Some(b), Some(s), Some(bl), Some(l)) = (before, after_save, before_load, after_load) {
        // 64 MiB of parameters: a copy of the model or of the file would add 64 MiB or more
        assert!(
            s - b < 16.0,
            "the save raised the peak from {b:.1} to {s:.1} MiB"
        );
        assert!(
            l - bl < 16.0,
            "the load raised the peak from {bl:.1} to {l:.1} MiB"
        );
    }
}
