//! The one-way rule of `docs/ARCHITECTURE.md`, checked on the source: init-core's layers
//! import only the layers below them, and no two files of init-core or of init-derive import
//! each other in a circle. Imports are read as text (`use crate::…`, `use super::…`, inline
//! `crate::…` paths), with comments, strings and `#[cfg(test)] mod tests` blocks left out:
//! tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// init-core's layers, bottom up: a module may import its own layer and those before it. The
/// last layer's modules stand side by side and do not import each other.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["math"],
    &["param"],
    &["scheme"],
    &["plan"],
    &["sample"],
    &["model"],
    &["lsuv", "export", "ext", "stats", "recipe", "mup"],
];

/// Every `.rs` file under `dir`, by its path relative to `dir`.
fn sources(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable source dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("utf-8 source");
                let rel = path.strip_prefix(dir).expect("under dir").to_path_buf();
                out.insert(rel, text);
            }
        }
    }
    out
}

/// The module path of a file: `plan/law.rs` is `[plan, law]`, `plan/mod.rs` is `[plan]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without comments, string and char literals, and `#[cfg(test)] mod … { … }`.
fn code_of(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if src[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if src[i..].starts_with("/*") {
            i = src[i..].find("*/").map_or(b.len(), |j| i + j + 2);
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if src[i..].starts_with("#[cfg(test)]") {
            // skip the attribute and, when it guards a `mod … {`, the whole block
            let rest = &src[i + "#[cfg(test)]".len()..];
            let trimmed = rest.trim_start();
            let is_mod = trimmed.starts_with("mod ");
            i += "#[cfg(test)]".len();
            if is_mod && let Some(open) = rest.find('{') {
                let mut depth = 0usize;
                let mut j = i + open;
                while j < b.len() {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
            }
        } else {
            let c = src[i..].chars().next().expect("a char");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The paths a file names: `crate::a::b`, `super::a`, `self::a`, and the leaves of `use`
/// trees (`use crate::a::{b, c::d}` names `crate::a::b` and `crate::a::c::d`).
fn paths_in(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words = |s: &str| -> Vec<String> {
        let mut found = Vec::new();
        for start in ["crate::", "super::", "self::"] {
            let mut at = 0;
            while let Some(k) = s[at..].find(start) {
                let begin = at + k;
                let boundary = begin == 0
                    || !s[..begin]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
                let end = s[begin..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(s.len(), |e| begin + e);
                if boundary {
                    found.push(s[begin..end].trim_end_matches(':').to_string());
                }
                at = end.max(begin + start.len());
            }
        }
        found
    };
    // `use` trees: expand braces
    let mut rest = code;
    while let Some(k) = rest.find("use ") {
        let after = &rest[k + 4..];
        let Some(end) = after.find(';') else { break };
        for leaf in expand(after[..end].trim()) {
            out.extend(words(&leaf));
        }
        rest = &after[end..];
    }
    out.extend(words(code));
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let (prefix, inner) = (&tree[..open], &tree[open + 1..tree.len().saturating_sub(1)]);
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0i32, String::new());
    for c in inner.chars() {
        match c {
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            '{' => {
                depth += 1;
                cur.push(c);
            }
            '}' => {
                depth -= 1;
                cur.push(c);
            }
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p.trim()))
        .map(|leaf| format!("{prefix}{leaf}"))
        .collect()
}

/// The file a path names (the longest module prefix that is a file), if any.
fn resolve(from: &[String], path: &str, files: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    let segs: Vec<&str> = path.split("::").map(str::trim).collect();
    let (mut base, rest): (Vec<String>, &[&str]) = match *segs.first()? {
        "crate" => (Vec::new(), &segs[1..]),
        "self" => (from.to_vec(), &segs[1..]),
        "super" => {
            let mut b = from.to_vec();
            b.pop();
            let mut r = &segs[1..];
            while r.first() == Some(&"super") {
                b.pop();
                r = &r[1..];
            }
            (b, r)
        }
        _ => return None,
    };
    let mut best = files.get(&base).cloned();
    for s in rest {
        base.push((*s).to_string());
        if let Some(f) = files.get(&base) {
            best = Some(f.clone());
        }
    }
    best
}

/// File → files it imports (itself left out).
fn graph(dir: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let src = sources(dir);
    let files: BTreeMap<Vec<String>, PathBuf> = src
        .keys()
        .map(|rel| (module_of(rel), rel.clone()))
        .collect();
    src.iter()
        .map(|(rel, text)| {
            let from = module_of(rel);
            let to = paths_in(&code_of(text))
                .iter()
                .filter_map(|p| resolve(&from, p, &files))
                .filter(|t| t != rel)
                .collect();
            (rel.clone(), to)
        })
        .collect()
}

/// The files that import each other in a circle (Tarjan's strongly connected components).
fn cycles(g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct State<'g> {
        g: &'g BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'g PathBuf, usize>,
        low: BTreeMap<&'g PathBuf, usize>,
        stack: Vec<&'g PathBuf>,
        on: BTreeSet<&'g PathBuf>,
        out: Vec<Vec<PathBuf>>,
    }
    fn strong<'g>(s: &mut State<'g>, v: &'g PathBuf) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                strong(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            strong(&mut s, v);
        }
    }
    s.out
}

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name).join("src")
}

/// The layer of an init-core file: the rank of its top module, and the module.
fn layer(rel: &Path) -> Option<(usize, String)> {
    let top = module_of(rel).into_iter().next()?;
    LAYERS
        .iter()
        .position(|l| l.contains(&top.as_str()))
        .map(|rank| (rank, top))
}

#[test]
fn init_core_layers_import_only_downwards() {
    let g = graph(&crate_dir("init-core"));
    let mut wrong = Vec::new();
    for (from, tos) in &g {
        let Some((rank, top)) = layer(from) else {
            assert_eq!(
                from,
                Path::new("lib.rs"),
                "{from:?} is in no layer of LAYERS"
            );
            continue;
        };
        for to in tos {
            let Some((to_rank, to_top)) = layer(to) else {
                wrong.push(format!("{from:?} imports {to:?}, which is in no layer"));
                continue;
            };
            let side_by_side = rank == LAYERS.len() - 1 && to_rank == rank && to_top != top;
            if to_rank > rank || side_by_side {
                wrong.push(format!("{from:?} ({top}) imports {to:?} ({to_top})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the one-way rule:\n{}",
        wrong.join("\n")
    );
    // the check reads imports: it has some to read
    assert!(g.values().map(BTreeSet::len).sum::<usize>() > 100);
}

#[test]
fn no_import_cycle_in_either_crate() {
    for krate in ["init-core", "init-derive"] {
        let g = graph(&crate_dir(krate));
        assert!(g.len() > 5, "{krate}: read {} files", g.len());
        assert_eq!(
            cycles(&g),
            Vec::<Vec<PathBuf>>::new(),
            "{krate}: files in a circle"
        );
    }
}

#[test]
fn the_checker_sees_cycles_and_wrong_directions() {
    let dir = std::env::temp_dir().join(format!("weight-init-arch-{}", std::process::id()));
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(p, text).expect("write");
    };
    write("lib.rs", "mod a; mod b;");
    write(
        "a.rs",
        "use crate::b::{X, y::Z};\n// use crate::c;\nfn f() { super::b::g(); }",
    );
    write("b/mod.rs", "pub(crate) mod y;\nuse crate::a::F;");
    write("b/y.rs", "#[cfg(test)]\nmod tests { use crate::a::T; }\n");
    let g = graph(&dir);
    assert_eq!(
        g[Path::new("a.rs")],
        BTreeSet::from([PathBuf::from("b/mod.rs"), PathBuf::from("b/y.rs")])
    );
    assert!(
        g[Path::new("b/y.rs")].is_empty(),
        "test blocks are left out"
    );
    assert_eq!(cycles(&g).len(), 1);
    assert_eq!(
        layer(Path::new("plan/law.rs")),
        Some((4, "plan".to_string()))
    );
    std::fs::remove_dir_all(&dir).ok();
}
