//! Fuzzing the loaders on stable Rust: valid safetensors, `.npy`, `.npz` and compressed `.npz`
//! files are mutated (bit flips, bytes set, truncation, bytes inserted, size fields overwritten
//! with hostile values, numbers in the header text replaced) and fed to `from_safetensors_bytes`,
//! `load_npy` and `load_npz`. Every case must return (`Ok` or an error): no panic, no abort, no
//! huge allocation; and on error the model must be unchanged.
//!
//! CI runs 512 cases per format (about 2 s in a debug build). For a longer run, before a
//! release:
//!
//! ```text
//! WEIGHT_INIT_FUZZ_CASES=20000 cargo test --release -p weight-init \
//!     --features safetensors,npy,half --test fuzz_files
//! ```
//!
//! A failure prints the shrunk mutation list, which reproduces it.

use std::io::Write;
use std::path::PathBuf;

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use weight_init::Initialize;
use weight_init::export::{
    from_safetensors_bytes, load_npy, load_npz, save_npy, save_npz, to_safetensors_bytes,
};

#[derive(Initialize, Clone, Debug, PartialEq)]
#[init(config = ())]
struct Model {
    #[init(normal(std = 1.0), shape = (3, 4))]
    w: Array2<f32>,
    #[init(zeros, shape = 4)]
    b: Array1<f64>,
}

fn model() -> Model {
    Model {
        w: Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32 - 5.5),
        b: Array1::from_vec(vec![0.5, -0.25, 1e300, -0.0]),
    }
}

fn zeros() -> Model {
    Model {
        w: Array2::zeros((3, 4)),
        b: Array1::zeros(4),
    }
}

/// How many cases per format: `WEIGHT_INIT_FUZZ_CASES`, else 512.
fn cases() -> u32 {
    std::env::var("WEIGHT_INIT_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512)
}

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz_files");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The valid files mutated: safetensors bytes, a `.npy`, a `.npz`, a compressed `.npz`.
struct Seeds {
    safetensors: Vec<u8>,
    npy: Vec<u8>,
    npz: Vec<u8>,
    npz_deflated: Vec<u8>,
}

fn seeds() -> &'static Seeds {
    static SEEDS: std::sync::OnceLock<Seeds> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let m = model();
        let d = dir();
        save_npy(&m.w, d.join("seed.npy")).unwrap();
        save_npz(&m, d.join("seed.npz")).unwrap();
        let npz = std::fs::read(d.join("seed.npz")).unwrap();
        // the same entries, deflated (what `np.savez_compressed` writes)
        let mut stored = zip::ZipArchive::new(std::io::Cursor::new(npz.clone())).unwrap();
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        for i in 0..stored.len() {
            let mut entry = stored.by_index(i).unwrap();
            let name = entry.name().to_string();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file(name, opts).unwrap();
            z.write_all(&bytes).unwrap();
        }
        z.finish().unwrap();
        Seeds {
            safetensors: to_safetensors_bytes(&m).unwrap(),
            npy: std::fs::read(d.join("seed.npy")).unwrap(),
            npz,
            npz_deflated: out.into_inner(),
        }
    })
}

/// One edit of a file's bytes (positions taken modulo the length).
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(usize, u8),
    SetByte(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    /// A little-endian size field overwritten: 2, 4 or 8 bytes of a hostile value.
    Size(usize, u8, u64),
    /// The `n`-th run of ASCII digits replaced by a hostile number's text (a `.npy` header
    /// keeps its length).
    Number(usize, String),
}

fn hostile() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::from(u16::MAX)),
        Just(u64::from(u32::MAX)),
        Just(1 << 31),
        Just(1 << 40),
        Just(u64::MAX),
        Just(i64::MAX as u64 + 1),
        any::<u64>(),
        0u64..4096,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Mutation::FlipBit(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, v)| Mutation::SetByte(p, v)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(p, b)| Mutation::Insert(p, b)),
        (
            any::<usize>(),
            prop_oneof![Just(2u8), Just(4), Just(8)],
            hostile()
        )
            .prop_map(|(p, w, v)| Mutation::Size(p, w, v)),
        (
            0usize..8,
            prop_oneof![
                Just("1099511627776".to_string()),
                Just("0".to_string()),
                Just("-1".to_string()),
                Just("18446744073709551615".to_string()),
                Just("99999999999999999999999999".to_string()),
                Just("9223372036854775808".to_string()),
                (0u32..100).prop_map(|n| n.to_string()),
            ]
        )
            .prop_map(|(n, s)| Mutation::Number(n, s)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match m {
        Mutation::FlipBit(p, b) => {
            if let Some(x) = bytes.get_mut(p % len) {
                *x ^= 1 << b;
            }
        }
        Mutation::SetByte(p, v) => {
            if let Some(x) = bytes.get_mut(p % len) {
                *x = *v;
            }
        }
        Mutation::Truncate(p) => bytes.truncate(p % len),
        Mutation::Insert(p, b) => {
            let at = p % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Mutation::Size(p, w, v) => {
            let w = usize::from(*w);
            let at = p % len;
            let le = v.to_le_bytes();
            for (k, byte) in le.iter().take(w).enumerate() {
                if let Some(x) = bytes.get_mut(at + k) {
                    *x = *byte;
                }
            }
        }
        Mutation::Number(n, s) => {
            let mut runs = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i].is_ascii_digit() {
                    let start = i;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    runs.push(start..i);
                } else {
                    i += 1;
                }
            }
            if !runs.is_empty() {
                let r = runs[n % runs.len()].clone();
                let (start, old) = (r.start, r.len());
                bytes.splice(r, s.bytes());
                // keep a `.npy` header's length: take the difference out of (or add it to)
                // the spaces after the dictionary's closing brace
                let end = start + s.len();
                if let Some(brace) = bytes[end..].iter().position(|&b| b == b'}') {
                    let pad = end + brace + 1;
                    if s.len() > old {
                        let spaces = bytes[pad..].iter().take_while(|&&b| b == b' ').count();
                        bytes.drain(pad..pad + spaces.min(s.len() - old));
                    } else {
                        bytes.splice(pad..pad, std::iter::repeat_n(b' ', old - s.len()));
                    }
                }
            }
        }
    }
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..4)
}

/// A file path unique to this thread and format.
fn file(name: &str) -> PathBuf {
    dir().join(format!("{name}-{:?}", std::thread::current().id()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_safetensors_never_panic(ms in mutations()) {
        let mut bytes = seeds().safetensors.clone();
        ms.iter().for_each(|m| apply(&mut bytes, m));
        let mut m = zeros();
        if from_safetensors_bytes(&mut m, &bytes).is_err() {
            prop_assert_eq!(m, zeros());
        }
    }

    #[test]
    fn mutated_npy_never_panic(ms in mutations()) {
        let mut bytes = seeds().npy.clone();
        ms.iter().for_each(|m| apply(&mut bytes, m));
        let f = file("m.npy");
        std::fs::write(&f, &bytes).unwrap();
        let mut w = Array2::<f32>::zeros((3, 4));
        if load_npy(&mut w, &f).is_err() {
            prop_assert_eq!(w, Array2::<f32>::zeros((3, 4)));
        }
    }

    #[test]
    fn mutated_npz_never_panic(ms in mutations(), deflated in any::<bool>()) {
        let s = seeds();
        let mut bytes = if deflated { s.npz_deflated.clone() } else { s.npz.clone() };
        ms.iter().for_each(|m| apply(&mut bytes, m));
        let f = file("m.npz");
        std::fs::write(&f, &bytes).unwrap();
        let mut m = zeros();
        if load_npz(&mut m, &f).is_err() {
            prop_assert_eq!(m, zeros());
        }
    }
}

/// The seeds themselves load (the mutations start from valid files).
#[test]
fn seeds_load() {
    let s = seeds();
    let mut m = zeros();
    from_safetensors_bytes(&mut m, &s.safetensors).unwrap();
    assert_eq!(m, model());
    for (name, bytes) in [("npz", &s.npz), ("deflated", &s.npz_deflated)] {
        let f = file(name);
        std::fs::write(&f, bytes).unwrap();
        let mut m = zeros();
        load_npz(&mut m, &f).unwrap();
        assert_eq!(m, model(), "{name}");
    }
    let f = file("npy");
    std::fs::write(&f, &s.npy).unwrap();
    let mut w = Array2::<f32>::zeros((3, 4));
    load_npy(&mut w, &f).unwrap();
    assert_eq!(w, model().w);
}
