//! `Rules` over a derived model (`Initialize::init_with_rules`, `init_sharded_with_rules`): the
//! rules override the attributes by state-dict name, keyed as `init_seeded` keys, checked before
//! anything is written.

use ndarray::{Array1, Array2};
use weight_init::{ErrorKind, Init, Initialize, Layout, ParamPath, Region, Rules, Source, rows_of};

#[derive(Initialize)]
struct Block {
    #[init(he_normal)]
    weight: Array2<f32>,
    #[init(zeros)]
    bias: Array1<f32>,
    /// Stored (in, out), as GPT-2's Conv1D.
    #[init(normal(0.0, 0.02), layout = in_out)]
    proj: Array2<f32>,
}

#[derive(Initialize)]
struct Net {
    #[init(normal(0.0, 1.0))]
    embed: Array2<f32>,
    h: Vec<Block>,
}

fn net() -> Net {
    let block = || Block {
        weight: Array2::zeros((16, 8)),
        bias: Array1::zeros(16),
        proj: Array2::zeros((8, 32)),
    };
    Net {
        embed: Array2::zeros((10, 8)),
        h: vec![block(), block(), block()],
    }
}

#[test]
fn rules_override_attributes_and_the_rest_keep_their_keyed_values() {
    let rules = Rules::new()
        .rule("h.*.bias", Init::constant(0.25))
        .rule("h.1.weight", Init::orthogonal());
    let mut m = net();
    let got = m.init_with_rules(&rules, 11).unwrap();
    let mut plain = net();
    plain.init_seeded(11).unwrap();

    // overridden: the rule's scheme, keyed by the same name as init_seeded would key it
    assert!(m.h.iter().all(|b| b.bias.iter().all(|&x| x == 0.25)));
    let mut q = Array2::<f32>::zeros((16, 8));
    Init::orthogonal()
        .fill_seeded(&mut q, 11, "h.1.weight")
        .unwrap();
    assert_eq!(m.h[1].weight, q);
    // kept: bit for bit what init_seeded gives
    assert_eq!(m.embed, plain.embed);
    assert_eq!(m.h[0].weight, plain.h[0].weight);
    assert_eq!(m.h[2].weight, plain.h[2].weight);
    assert_eq!(m.h[1].proj, plain.h[1].proj);
    assert_ne!(m.h[1].weight, plain.h[1].weight);

    assert_eq!(got.rows().len(), 1 + 3 * 3);
    assert_eq!(got.get("embed").unwrap().source, Source::Attribute);
    assert_eq!(
        got.get("h.1.weight").unwrap().source,
        Source::Rule {
            index: 1,
            pattern: "h.1.weight".into()
        }
    );
    assert!(matches!(
        got.get("h.2.bias").unwrap().source,
        Source::Rule { index: 0, .. }
    ));
}

#[test]
fn a_rule_reads_the_shape_under_the_attributes_layout() {
    // proj is (in, out) = (8, 32): he_normal's fan_in is 8, not 32
    let rules = Rules::new().rule("h.*.proj", Init::he_normal());
    let mut m = net();
    let got = m.init_with_rules(&rules, 3).unwrap();
    let init = got.get("h.0.proj").unwrap().init.clone().unwrap();
    assert_eq!(init.resolve(&[8, 32]).unwrap().fans.unwrap().fan_in, 8);
    assert_eq!(init, Init::he_normal().layout(Layout::InOut));
    let mut expected = Array2::<f32>::zeros((8, 32));
    init.fill_seeded(&mut expected, 3, "h.0.proj").unwrap();
    assert_eq!(m.h[0].proj, expected);
}

#[test]
fn a_rule_that_matches_nothing_is_an_error_and_nothing_is_written() {
    let mut m = net();
    let err = m
        .init_with_rules(
            &Rules::new()
                .rule("h.*.bias", Init::ones())
                .rule("h.*.gamma", Init::ones()),
            1,
        )
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnmatchedRule { pattern } if pattern == "h.*.gamma"),
        "{err}"
    );
    assert!(m.h.iter().all(|b| b.bias.iter().all(|&x| x == 0.0)));
}

#[test]
fn a_scheme_that_does_not_fit_is_refused_before_anything_is_written() {
    let mut m = net();
    // orthogonal on a vector: refused for h.0.bias, after embed would have been written
    let err = m
        .init_with_rules(&Rules::new().rule("h.*.bias", Init::orthogonal()), 1)
        .unwrap_err();
    assert_eq!(err.path(), Some("h[0].bias"), "{err}");
    assert!(m.embed.iter().all(|&x| x == 0.0), "embed was written");
}

#[test]
fn shards_under_rules_equal_the_whole() {
    let rules = Rules::new()
        .rule("**.weight", Init::glorot_uniform())
        .rule("h.2.weight", Init::orthogonal());
    let mut whole = net();
    whole.init_with_rules(&rules, 9).unwrap();
    let workers = 2;
    let mut rows: Vec<Vec<f32>> = vec![Vec::new(); 3];
    for w in 0..workers {
        let r = rows_of(w, workers, 16);
        let block = || Block {
            weight: Array2::zeros((r.len(), 8)),
            bias: Array1::zeros(r.len()),
            proj: Array2::zeros((8, 32)),
        };
        let mut part = Net {
            embed: Array2::zeros((10, 8)),
            h: vec![block(), block(), block()],
        };
        let locate = |p: &ParamPath, shard: &[usize]| {
            let name = p.state_dict_name();
            let full: Vec<usize> = if name.ends_with(".weight") || name.ends_with(".bias") {
                std::iter::once(16)
                    .chain(shard[1..].iter().copied())
                    .collect()
            } else {
                shard.to_vec()
            };
            let region = if full == shard {
                Region::Rows(0..full[0])
            } else {
                Region::Rows(rows_of(w, workers, 16))
            };
            Ok((full, region))
        };
        part.init_sharded_with_rules(&rules, 9, &locate).unwrap();
        for (i, b) in part.h.iter().enumerate() {
            rows[i].extend(b.weight.iter().copied());
        }
        assert_eq!(part.embed, whole.embed);
    }
    for (i, b) in whole.h.iter().enumerate() {
        assert_eq!(
            rows[i],
            b.weight.iter().copied().collect::<Vec<_>>(),
            "h.{i}"
        );
    }
}
