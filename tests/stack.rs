//! Models holding large fixed-size arrays inline are built on the heap: a 511 KiB model
//! (`[[f32; 362]; 362]` plus a bias) builds in a 2 MiB thread, in a debug build as in a release
//! one, with the values the same model has when built with a large stack.

use rand::SeedableRng;
use weight_init::{Build, Initialize};

const N: usize = 362;

/// 362 * 362 * 4 + 362 * 4 = 525,624 bytes (513 KiB; the weights alone are the 511 KiB):
/// a quarter of a 2 MiB stack.
#[derive(Initialize, Debug, PartialEq)]
#[init(config = ())]
struct Big {
    #[init(he_normal)]
    w: [[f32; N]; N],
    #[init(zeros)]
    b: [f32; N],
}

/// The same model nested, once inline and once boxed, next to an ordinary parameter.
#[derive(Initialize, Debug, PartialEq)]
#[init(config = ())]
struct Outer {
    #[init(normal(std = 0.5), shape = 3)]
    gain: Vec<f32>,
    inner: Big,
    boxed: Box<Big>,
}

/// Models of it in a `Vec`.
#[derive(Initialize, Debug, PartialEq)]
#[init(config = ())]
struct Many {
    #[init(config = (), len = 3)]
    layers: Vec<Big>,
}

/// Every value of a `Big`, flattened without copying the model.
fn values(m: &Big) -> Vec<u32> {
    m.w.iter()
        .flatten()
        .chain(m.b.iter())
        .map(|x| x.to_bits())
        .collect()
}

/// Runs `f` on a thread with `stack` bytes of stack; the thread's result.
fn on_stack<T: Send + 'static>(stack: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// 64 MiB: enough for any way of building, the reference values.
const LARGE: usize = 64 << 20;
const SMALL: usize = 2 << 20;

fn reference(seed: u64) -> Vec<u32> {
    on_stack(LARGE, move || {
        // built by hand on the heap, then keyed: what `build` must equal
        let mut m: Box<Big> = Box::new(Big {
            w: [[0.0; N]; N],
            b: [0.0; N],
        });
        m.init_seeded(seed).unwrap();
        values(&m)
    })
}

#[test]
fn an_inline_fixed_size_array_model_builds_boxed_in_a_2_mib_thread() {
    assert!(std::mem::size_of::<Big>() > SMALL / 4);
    let expected = reference(7);
    // he_normal really drew: nearly every weight is non-zero; the bias is zero
    assert!(expected[..N * N].iter().filter(|&&b| b != 0).count() > N * N - 10);
    assert!(expected[N * N..].iter().all(|&b| b == 0));

    let boxed = on_stack(SMALL, || values(&Big::build_boxed(&(), &(), 7).unwrap()));
    assert_eq!(boxed, expected);
    // `Box<Big>` is a model built in its box
    let in_box = on_stack(SMALL, || values(&Box::<Big>::build(&(), &(), 7).unwrap()));
    assert_eq!(in_box, expected);
    let zeroed = on_stack(SMALL, || values(&Big::zeroed_boxed(&(), &()).unwrap()));
    assert!(zeroed.iter().all(|&b| b == 0));
    // another seed, other values
    let other = on_stack(SMALL, || values(&Big::build_boxed(&(), &(), 8).unwrap()));
    assert_ne!(other, expected);
    // from an rng: the same values as `initialize` on the model built by hand
    let from_rng = on_stack(SMALL, || {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        values(&Big::build_boxed_with_rng(&(), &(), &mut rng).unwrap())
    });
    let expected_rng = on_stack(LARGE, || {
        let mut m = Box::new(Big {
            w: [[0.0; N]; N],
            b: [0.0; N],
        });
        m.initialize(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3))
            .unwrap();
        values(&m)
    });
    assert_eq!(from_rng, expected_rng);
}

#[test]
fn by_value_it_needs_the_callers_two_copies_and_two_more() {
    // `let m = Big::build(..).unwrap()` holds the `Result` and `m` on the caller's frame; the
    // build itself holds about twice the model while it assembles it: 4x, just over 2 MiB for
    // this model in a debug build (`smallest_stack` measures 4.02x), so give it 5x
    let size = std::mem::size_of::<Big>();
    let by_value = on_stack(5 * size, || values(&Big::build(&(), &(), 7).unwrap()));
    assert_eq!(by_value, reference(7));
    let zeroed = on_stack(5 * size, || values(&Big::zeroed(&(), &()).unwrap()));
    assert!(zeroed.iter().all(|&b| b == 0));
}

#[test]
fn nested_inline_boxed_and_in_a_vec_they_build_in_a_2_mib_thread() {
    assert!(std::mem::size_of::<Outer>() > SMALL / 4);
    let built = on_stack(SMALL, || {
        let m = Outer::build_boxed(&(), &(), 11).unwrap();
        (values(&m.inner), values(&m.boxed), m.gain.clone())
    });
    let expected = on_stack(LARGE, || {
        let mut m = Box::new(Outer {
            gain: vec![0.0; 3],
            inner: Big {
                w: [[0.0; N]; N],
                b: [0.0; N],
            },
            boxed: Box::new(Big {
                w: [[0.0; N]; N],
                b: [0.0; N],
            }),
        });
        m.init_seeded(11).unwrap();
        (values(&m.inner), values(&m.boxed), m.gain.clone())
    });
    assert_eq!(built, expected);
    assert_ne!(
        built.0, built.1,
        "inner and boxed are keyed by their own names"
    );

    // a `Vec` of them is small itself: `build` by value is fine
    let many = on_stack(SMALL, || {
        let m = Many::build(&(), &(), 5).unwrap();
        m.layers.iter().map(values).collect::<Vec<_>>()
    });
    let expected = on_stack(LARGE, || {
        let mut m = Many {
            layers: (0..3)
                .map(|_| Big {
                    w: [[0.0; N]; N],
                    b: [0.0; N],
                })
                .collect(),
        };
        m.init_seeded(5).unwrap();
        m.layers.iter().map(values).collect::<Vec<_>>()
    });
    assert_eq!(many, expected);
}

/// A way of building, by its name: the number of values built.
type Way = (&'static str, fn() -> usize);

/// The ways of building measured by [`smallest_stack`], each as a caller would write it, in a
/// function of its own (so that the probe's own frame holds no copy of the model).
const WAYS: &[Way] = &[
    ("Big::build(..).unwrap()", || {
        let m = Big::build(&(), &(), 1).unwrap();
        values(&m).len()
    }),
    ("Big::build_boxed(..).unwrap()", || {
        let m = Big::build_boxed(&(), &(), 1).unwrap();
        values(&m).len()
    }),
    ("Box::<Big>::build(..).unwrap()", || {
        let m = Box::<Big>::build(&(), &(), 1).unwrap();
        values(&m).len()
    }),
    ("Big::zeroed(..).unwrap()", || {
        let m = Big::zeroed(&(), &()).unwrap();
        values(&m).len()
    }),
    ("Many::build(..).unwrap() (3 in a Vec)", || {
        let m = Many::build(&(), &(), 1).unwrap();
        m.layers.iter().map(|l| values(l).len()).sum::<usize>() * 2 / 3
    }),
    ("Outer::build_boxed(..).unwrap()", || {
        let m = Outer::build_boxed(&(), &(), 1).unwrap();
        values(&m.inner).len() + values(&m.boxed).len()
    }),
];

/// The smallest stack (to 4 KiB) on which each of [`WAYS`] succeeds, found by running this test
/// binary again on a thread of each size tried (a stack overflow aborts the process, so each
/// try is a process of its own). A measurement, not a check: run it with
/// `cargo test --test stack -- --ignored --nocapture smallest_stack` (add `--release` for a
/// release build).
#[test]
#[ignore = "a measurement (about 80 child processes), not a check: .ci/run runs it in a step of its own"]
fn smallest_stack() {
    let exe = std::env::current_exe().unwrap();
    let size = std::mem::size_of::<Big>();
    for (i, (way, _)) in WAYS.iter().enumerate() {
        let ok = |stack: usize| {
            std::process::Command::new(&exe)
                .args(["--exact", "probe", "--nocapture", "--test-threads=1"])
                .env("WEIGHT_INIT_STACK_PROBE", format!("{i} {stack}"))
                .stderr(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap()
                .success()
        };
        let (mut lo, mut hi) = (4096, 64 << 20);
        assert!(ok(hi), "{way} fails even on {hi} bytes");
        while hi - lo > 4096 {
            let mid = (lo + hi) / 2;
            if ok(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        println!(
            "{way}: {:.0} KiB of stack, {:.2}x the model's {size} bytes",
            hi as f64 / 1024.0,
            hi as f64 / size as f64
        );
    }
}

/// One try of [`smallest_stack`]: does nothing unless `WEIGHT_INIT_STACK_PROBE` says which of
/// [`WAYS`] to run and on how large a stack.
#[test]
fn probe() {
    let Ok(spec) = std::env::var("WEIGHT_INIT_STACK_PROBE") else {
        return;
    };
    let (way, stack) = spec.split_once(' ').unwrap();
    let (way, stack): (usize, usize) = (way.parse().unwrap(), stack.parse().unwrap());
    let n = on_stack(stack, WAYS[way].1);
    assert!(n == N * N + N || n == 2 * (N * N + N));
}
