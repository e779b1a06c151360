//! Weights out and back in: safetensors and `.npz` / `.npy` round trips are bit-identical,
//! names are PyTorch state-dict names, and strict loading refuses (naming the parameter, and
//! leaving the model unchanged) a missing tensor, a wrong shape, a wrong dtype, an extra tensor.
//! With `half`: f16/bf16 through safetensors, f16 through `.npy`/`.npz` as NumPy `float16`.

#[path = "../examples/common/tiny_transformer.rs"]
mod tiny_transformer;

use std::path::PathBuf;

use ndarray::{Array1, Array2};
use tiny_transformer::{CONFIG, Config, TinyTransformer};
use weight_init::export::{
    from_safetensors_bytes, load_npy, load_npz, load_safetensors, save_npy, save_npz,
    save_safetensors, sidecar_json, state_dict_name, state_dict_names, to_safetensors_bytes,
    to_safetensors_bytes_with,
};
use weight_init::{ErrorKind, InitError, Initialize, ParamPath, Segment};

fn dir(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("export")
        .join(test);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn seeded() -> TinyTransformer {
    TinyTransformer::seeded(&CONFIG, 7).unwrap()
}

/// Every value of a model, as bits, by state-dict name (via the safetensors bytes, which hold
/// the values in logical order).
fn bits(m: &TinyTransformer) -> Vec<u8> {
    to_safetensors_bytes(m).unwrap()
}

/// Values that a careless conversion would lose: -0, subnormals, extremes.
fn with_edge_values(m: &mut TinyTransformer) {
    let w = &mut m.blocks[1].attn.w_q;
    w[[0, 0]] = -0.0;
    w[[0, 1]] = f32::MIN_POSITIVE / 3.0;
    w[[0, 2]] = f32::MAX;
    w[[0, 3]] = -f32::EPSILON;
    m.head_b[0] = -0.0;
    m.head_b[1] = 5e-324;
    m.head_b[2] = f64::MIN;
}

fn assert_same(a: &TinyTransformer, b: &TinyTransformer) {
    assert_eq!(bits(a), bits(b));
    let f32_bits = |x: &Array2<f32>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        f32_bits(&a.blocks[1].attn.w_q),
        f32_bits(&b.blocks[1].attn.w_q)
    );
    assert_eq!(f32_bits(&a.head_w), f32_bits(&b.head_w));
    let f64_bits = |x: &Array1<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(f64_bits(&a.head_b), f64_bits(&b.head_b));
}

#[test]
fn safetensors_round_trip_is_bit_identical() {
    let mut m = seeded();
    with_edge_values(&mut m);
    let path = dir("st").join("m.safetensors");
    save_safetensors(&m, &path).unwrap();
    let mut back = TinyTransformer::zeros(&CONFIG).unwrap();
    load_safetensors(&mut back, &path).unwrap();
    assert_same(&m, &back);
    // in memory, and the file is those bytes
    let bytes = to_safetensors_bytes(&m).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let mut back = TinyTransformer::zeros(&CONFIG).unwrap();
    from_safetensors_bytes(&mut back, &bytes).unwrap();
    assert_same(&m, &back);
    // a transposed or reordered write would not survive: the first row of w_q is what we set
    assert_eq!(back.blocks[1].attn.w_q[[0, 2]], f32::MAX);
    assert_eq!(back.head_b[2], f64::MIN);
}

#[test]
fn npz_and_npy_round_trips_are_bit_identical() {
    let mut m = seeded();
    with_edge_values(&mut m);
    let d = dir("npz");
    save_npz(&m, d.join("m.npz")).unwrap();
    let mut back = TinyTransformer::zeros(&CONFIG).unwrap();
    load_npz(&mut back, d.join("m.npz")).unwrap();
    assert_same(&m, &back);

    save_npy(&m.blocks[1].attn.w_q, d.join("w_q.npy")).unwrap();
    save_npy(&m.head_b, d.join("head_b.npy")).unwrap();
    let mut w = Array2::<f32>::zeros((CONFIG.d, CONFIG.d));
    load_npy(&mut w, d.join("w_q.npy")).unwrap();
    assert_eq!(w, m.blocks[1].attn.w_q);
    let mut b = vec![0.0f64; CONFIG.vocab];
    load_npy(&mut b, d.join("head_b.npy")).unwrap();
    assert_eq!(
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        m.head_b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    // an array in Fortran order is written in logical order
    let t = m.blocks[0].mlp.fc_w.clone().reversed_axes();
    assert!(!t.is_standard_layout());
    save_npy(&t, d.join("t.npy")).unwrap();
    let mut tt = Array2::<f32>::zeros((CONFIG.d, 4 * CONFIG.d));
    load_npy(&mut tt, d.join("t.npy")).unwrap();
    assert_eq!(tt, t);
}

#[test]
fn npy_errors_name_the_file() {
    let d = dir("npy_err");
    let f = d.join("v.npy");
    save_npy(&vec![1.0f32, 2.0, 3.0], &f).unwrap();
    let e = load_npy(&mut vec![0.0f32; 4], &f).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::ShapeMismatch {
            name: f.display().to_string(),
            expected: vec![4],
            got: vec![3]
        }
    );
    let mut v64 = vec![0.0f64; 3];
    let e = load_npy(&mut v64, &f).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::DtypeMismatch { expected, got, .. } if expected == "f64" && got == "f32"),
        "{e}"
    );
    assert_eq!(v64, [0.0; 3]);
    let e = load_npy(&mut v64, d.join("none.npy")).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
}

#[test]
fn names_are_state_dict_names() {
    let names = state_dict_names(&seeded()).unwrap();
    let block = |i: usize| {
        [
            "ln1.weight",
            "ln1.bias",
            "attn.w_q",
            "attn.w_k",
            "attn.w_v",
            "attn.w_o",
            "ln2.weight",
            "ln2.bias",
            "mlp.fc_w",
            "mlp.fc_b",
            "mlp.proj_w",
            "mlp.proj_b",
        ]
        .map(|s| format!("blocks.{i}.{s}"))
    };
    let mut want = vec!["tok_emb".to_string(), "pos_emb".to_string()];
    want.extend(block(0));
    want.extend(block(1));
    want.extend(["ln_f.weight", "ln_f.bias", "head_w", "head_b"].map(String::from));
    assert_eq!(names, want);

    // tuple fields and indices both become dotted numbers
    #[derive(Initialize)]
    struct Pair(#[init(zeros)] Array1<f32>, #[init(ones)] Array1<f32>);
    #[derive(Initialize)]
    struct Net {
        layers: Vec<Pair>,
        #[init(zeros)]
        last: [f32; 2],
    }
    let net = Net {
        layers: vec![
            Pair(Array1::zeros(1), Array1::zeros(1)),
            Pair(Array1::zeros(1), Array1::zeros(1)),
        ],
        last: [0.0; 2],
    };
    assert_eq!(
        state_dict_names(&net).unwrap(),
        [
            "layers.0.0",
            "layers.0.1",
            "layers.1.0",
            "layers.1.1",
            "last"
        ]
    );
    let mut p = ParamPath::new();
    p.push(Segment::Field("blocks"));
    p.push(Segment::Index(3));
    p.push(Segment::Field("attn"));
    p.push(Segment::Field("w_q"));
    assert_eq!(state_dict_name(&p), "blocks.3.attn.w_q");
}

/// The model `load` leaves unchanged when it refuses a file.
fn refused(
    mut into: TinyTransformer,
    load: impl FnOnce(&mut TinyTransformer) -> Result<(), InitError>,
) -> InitError {
    let before = bits(&into);
    let e = load(&mut into).unwrap_err();
    assert_eq!(
        bits(&into),
        before,
        "a refused load wrote into the model: {e}"
    );
    e
}

/// Both formats refuse the same way.
fn refused_by_both(
    test: &str,
    saved: &TinyTransformer,
    into: impl Fn() -> TinyTransformer,
) -> [InitError; 2] {
    let bytes = to_safetensors_bytes(saved).unwrap();
    let npz = dir(test).join("m.npz");
    save_npz(saved, &npz).unwrap();
    let a = refused(into(), |m| from_safetensors_bytes(m, &bytes));
    let b = refused(into(), |m| load_npz(m, &npz));
    assert_eq!(a.kind(), b.kind());
    assert_eq!(a.path(), b.path());
    [a, b]
}

fn with_layers(layers: usize) -> Config {
    Config { layers, ..CONFIG }
}

#[test]
fn missing_tensor_names_the_parameter() {
    const TEST: &str = "missing_tensor_names_the_parameter";
    let saved = TinyTransformer::seeded(&with_layers(1), 1).unwrap();
    for e in refused_by_both(TEST, &saved, || TinyTransformer::zeros(&CONFIG).unwrap()) {
        assert_eq!(
            e.kind(),
            &ErrorKind::MissingTensor {
                name: "blocks.1.ln1.weight".into()
            }
        );
        assert_eq!(e.path(), Some("blocks[1].ln1.weight"));
        assert!(
            e.to_string().starts_with("blocks[1].ln1.weight: load_"),
            "{e}"
        );
        assert!(e.to_string().contains("`blocks.1.ln1.weight`"), "{e}");
    }
}

#[test]
fn extra_tensors_are_refused_as_strict_pytorch_does() {
    const TEST: &str = "extra_tensors_are_refused_as_strict_pytorch_does";
    let saved = TinyTransformer::seeded(&CONFIG, 1).unwrap();
    for e in refused_by_both(TEST, &saved, || {
        TinyTransformer::zeros(&with_layers(1)).unwrap()
    }) {
        let ErrorKind::UnexpectedTensors { names } = e.kind() else {
            panic!("{e}")
        };
        assert_eq!(names.len(), 12);
        assert_eq!(names[0], "blocks.1.attn.w_k");
        assert!(names.iter().all(|n| n.starts_with("blocks.1.")));
        assert!(e.to_string().contains("blocks.1.mlp.fc_w"), "{e}");
        assert_eq!(e.path(), None);
    }
}

#[test]
fn wrong_shape_names_the_parameter() {
    const TEST: &str = "wrong_shape_names_the_parameter";
    let saved = TinyTransformer::seeded(&Config { ctx: 8, ..CONFIG }, 1).unwrap();
    for e in refused_by_both(TEST, &saved, || TinyTransformer::zeros(&CONFIG).unwrap()) {
        assert_eq!(
            e.kind(),
            &ErrorKind::ShapeMismatch {
                name: "pos_emb".into(),
                expected: vec![16, 32],
                got: vec![8, 32]
            }
        );
        assert_eq!(e.path(), Some("pos_emb"));
    }
}

#[test]
fn wrong_dtype_names_the_parameter() {
    #[derive(Initialize)]
    struct Head<E: weight_init::Float> {
        #[init(normal(std = 1.0))]
        w: Array2<f32>,
        #[init(normal(std = 1.0))]
        b: Array1<E>,
    }
    let mut h32 = Head::<f32> {
        w: Array2::zeros((2, 3)),
        b: Array1::zeros(2),
    };
    h32.init_seeded(3).unwrap();
    let d = dir("dtype");
    save_npz(&h32, d.join("h.npz")).unwrap();
    let bytes = to_safetensors_bytes(&h32).unwrap();
    let fresh = || Head::<f64> {
        w: Array2::zeros((2, 3)),
        b: Array1::zeros(2),
    };
    let mut h = fresh();
    let e1 = from_safetensors_bytes(&mut h, &bytes).unwrap_err();
    let e2 = load_npz(&mut h, d.join("h.npz")).unwrap_err();
    for e in [e1, e2] {
        assert_eq!(
            e.kind(),
            &ErrorKind::DtypeMismatch {
                name: "b".into(),
                expected: "f64".into(),
                got: "f32".into()
            }
        );
        assert_eq!(e.path(), Some("b"));
    }
    // nothing written, not even `w`, which came before `b` and matched
    assert_eq!(h.w, Array2::<f32>::zeros((2, 3)));
}

#[test]
fn files_that_are_not_weights() {
    let d = dir("garbage");
    let f = d.join("garbage.bin");
    std::fs::write(&f, b"not a safetensors file at all").unwrap();
    let mut m = TinyTransformer::zeros(&CONFIG).unwrap();
    let e = load_safetensors(&mut m, &f).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Format { .. }), "{e}");
    let e = load_npz(&mut m, &f).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Format { .. }), "{e}");
    let missing = d.join("no-such-file.safetensors");
    let e = load_safetensors(&mut m, &missing).unwrap_err();
    let ErrorKind::Io { file, .. } = e.kind() else {
        panic!("{e}")
    };
    assert_eq!(file, &missing.display().to_string());
    let e = save_safetensors(&m, d.join("no-such-dir/m.safetensors")).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
}

#[test]
fn header_holds_dtype_shape_offsets_and_metadata() {
    let m = seeded();
    let bytes = to_safetensors_bytes_with(&m, &[("weight_init.seed", "7")]).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0, "the header is padded to 8 bytes");
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    assert!(header.contains(r#""__metadata__":{"#), "{header}");
    assert!(header.contains(r#""format":"pt""#), "{header}");
    assert!(header.contains(r#""weight_init.seed":"7""#), "{header}");
    assert!(
        header.contains(r#""head_b":{"dtype":"F64","shape":[128],"data_offsets":[0,1024]}"#),
        "{header}"
    );
    assert!(
        header.contains(r#""tok_emb":{"dtype":"F32","shape":[128,32],"#),
        "{header}"
    );
    // the data section is every value once: 8 bytes per f64, 4 per f32
    let values: usize = [
        2 * 128 * 32 + 16 * 32 + 2 * 32, // embeddings, head, ln_f
        2 * (4 * 32 * 32 + 2 * 4 * 32 * 32 + 4 * 32 + 32 + 4 * 32),
    ]
    .iter()
    .sum();
    assert_eq!(bytes.len(), 8 + n + 128 * 8 + values * 4);
    // the f64 tensor comes first (the format sorts by alignment), little-endian
    let first = f64::from_le_bytes(bytes[8 + n..16 + n].try_into().unwrap());
    assert_eq!(first.to_bits(), m.head_b[0].to_bits());
}

#[test]
fn sidecar_describes_every_tensor() {
    let m = seeded();
    let json = sidecar_json(&m).unwrap();
    assert_eq!(json.matches(r#""name": "#).count(), 30);
    assert!(json.contains(
        r#"{"name": "blocks.0.attn.w_q", "path": "blocks[0].attn.w_q", "shape": [32, 32], "dtype": "f32", "scheme": "glorot_uniform""#
    ), "{json}");
    let bound = (6.0f64 / 64.0).sqrt();
    assert!(json.contains(&format!(
        r#""distribution": {{"kind": "uniform", "low": {:?}, "high": {bound:?}}}"#,
        -bound
    )));
    assert!(json.contains(r#""distribution": {"kind": "constant", "value": 1.0}"#));
    assert!(json.contains(r#""scheme": "orthogonal""#) && json.contains(r#""distribution": null"#));
    let head = m
        .tok_emb
        .iter()
        .take(4)
        .map(|x| format!("{:?}", f64::from(*x)));
    assert!(json.contains(&format!(
        r#""head": [{}]"#,
        head.collect::<Vec<_>>().join(", ")
    )));
}

/// A half-precision model: an f16 weight and a bias of element `B` (f16 or bf16).
#[cfg(feature = "half")]
#[derive(Initialize, Debug, PartialEq)]
#[init(config = ())]
struct Half<B> {
    #[init(he_normal, shape = (24, 16))]
    w: Array2<weight_init::half::f16>,
    #[init(truncated_normal(std = 0.02, sigmas = 2), shape = 16)]
    b: Array1<B>,
}

/// With the `half` feature: f16 and bf16 parameters are saved as safetensors `F16` / `BF16`
/// bit for bit and load back exactly; `.npz` refuses bf16 (NumPy has no such type) with an
/// error naming the parameter.
#[cfg(feature = "half")]
#[test]
fn half_precision_round_trips_through_safetensors() {
    use weight_init::Build;
    use weight_init::half::bf16;

    let model = Half::<bf16>::build(&(), &(), 5).unwrap();
    let bytes = to_safetensors_bytes(&model).unwrap();
    // the header (a little-endian u64 length, then JSON) names the half dtypes
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    assert!(
        header.contains(r#""w":{"dtype":"F16","shape":[24,16]"#),
        "{header}"
    );
    assert!(
        header.contains(r#""b":{"dtype":"BF16","shape":[16]"#),
        "{header}"
    );
    // the data holds the values' own bits, little-endian
    let data = &bytes[8 + n..];
    assert_eq!(data.len(), (24 * 16 + 16) * 2);
    let own: Vec<u8> = model
        .w
        .iter()
        .flat_map(|x| x.to_bits().to_le_bytes())
        .collect();
    assert!(data.windows(own.len()).any(|w| w == own.as_slice()));

    let mut back = Half::<bf16>::zeroed(&(), &()).unwrap();
    from_safetensors_bytes(&mut back, &bytes).unwrap();
    assert_eq!(back, model);

    let err = save_npz(&model, dir("half").join("half.npz")).unwrap_err();
    assert_eq!(err.path(), Some("b"));
    assert!(
        matches!(err.kind(), ErrorKind::DtypeMismatch { got, .. } if got == "bf16"),
        "{err}"
    );
    let err = save_npy(&model.b, dir("half").join("b.npy")).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DtypeMismatch { got, .. } if got == "bf16"),
        "{err}"
    );
}

/// With the `half` feature: f16 parameters are NumPy `float16` (`'<f2'`) in `.npy` and `.npz`,
/// bit for bit, and load back exactly; a file of another type is a mismatch naming both types.
#[cfg(feature = "half")]
#[test]
fn f16_round_trips_through_npy_and_npz() {
    use weight_init::Build;
    use weight_init::half::f16;

    let d = dir("f16_npy");
    let model = Half::<f16>::build(&(), &(), 9).unwrap();
    save_npz(&model, d.join("half.npz")).unwrap();
    let mut back = Half::<f16>::zeroed(&(), &()).unwrap();
    load_npz(&mut back, d.join("half.npz")).unwrap();
    assert_eq!(back, model);

    save_npy(&model.w, d.join("w.npy")).unwrap();
    let bytes = std::fs::read(d.join("w.npy")).unwrap();
    // magic, version 1.0, a u16 header length, the header, then the raw little-endian values
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let n = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + n]).unwrap();
    assert!(header.contains("'descr': '<f2'"), "{header}");
    assert!(header.contains("'shape': (24, 16)"), "{header}");
    let own: Vec<u8> = model
        .w
        .iter()
        .flat_map(|x| x.to_bits().to_le_bytes())
        .collect();
    assert_eq!(&bytes[10 + n..], own.as_slice());
    let mut w = Array2::from_elem((24, 16), f16::ZERO);
    load_npy(&mut w, d.join("w.npy")).unwrap();
    assert_eq!(w, model.w);

    // an f16 file into an f32 parameter, and an f32 file into an f16 one
    let err = load_npy(&mut Array2::<f32>::zeros((24, 16)), d.join("w.npy")).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DtypeMismatch { expected, got, .. } if expected == "f32" && got == "f16"),
        "{err}"
    );
    save_npy(&vec![1.0f32; 16], d.join("f32.npy")).unwrap();
    let err = load_npy(&mut Array1::from_elem(16, f16::ZERO), d.join("f32.npy")).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::DtypeMismatch { expected, got, .. } if expected == "f16" && got == "f32"),
        "{err}"
    );
    // a truncated file is an error, not a panic
    std::fs::write(d.join("short.npy"), &bytes[..bytes.len() - 3]).unwrap();
    assert!(load_npy(&mut w, d.join("short.npy")).is_err());
    assert_eq!(w, model.w, "a failed load changed the parameter");
}
