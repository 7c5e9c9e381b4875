//! The layering check: a module may use only its own layer and the layers below it, and
//! modules never import each other in a loop. Run as a unit test over this crate's own
//! sources (`cargo test -p shared layering`), so an upward import fails `make test`.
//!
//! | layer | modules |
//! |---|---|
//! | 0 base | `error`, `config`, `sdk`, `telemetry` |
//! | 1 | `domain` |
//! | 2 | `store` |
//! | 3 | `ports` |
//! | 4 | `ops` |
//! | 5 | `http` |
//!
//! Only code counts: comments and `#[cfg(test)]` modules (which may use test helpers of
//! any layer) are not read.

use std::collections::{BTreeMap, BTreeSet};

/// The layer of a module path's first segment (`None`: not a layered module).
pub fn layer_of(top: &str) -> Option<usize> {
    Some(match top {
        "error" | "config" | "sdk" | "telemetry" | "Error" | "Result" => 0,
        "domain" => 1,
        "store" => 2,
        "ports" => 3,
        "ops" => 4,
        "http" | "AppState" => 5,
        _ => return None,
    })
}

/// A source file's module path from its path under `src/` (`ops/files.rs` → `ops::files`).
pub fn module_of(relative: &str) -> String {
    let p = relative.trim_end_matches(".rs").trim_end_matches("/mod");
    if p == "lib" {
        String::new()
    } else {
        p.replace('/', "::")
    }
}

/// The code of a file without comments and without its test modules.
fn code_of(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The `crate::…` paths a file's code names, as module paths of at most two segments
/// (`crate::ops::files::list` → `ops::files`; `crate::{domain, store::Store}` → both).
fn imports_of(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            for part in inner[..end].split(',') {
                let path: Vec<&str> = part.trim().split("::").map(str::trim).filter(|s| !s.is_empty()).collect();
                if let Some(first) = path.first() {
                    out.insert(two(first, path.get(1)));
                }
            }
            continue;
        }
        let path: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        if let Some(first) = segs.first() {
            out.insert(two(first, segs.get(1)));
        }
    }
    out
}

fn two(first: &str, second: Option<&&str>) -> String {
    match second {
        Some(s) if s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && layer_of(first).is_some_and(|l| l > 0) => format!("{first}::{s}"),
        _ => first.to_string(),
    }
}

/// Every violation in `files` (relative path under `src/`, source text): upward imports
/// and import loops, each as a sentence.
pub fn violations(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeSet<String> = files.iter().map(|(p, _)| module_of(p)).collect();
    let mut errors = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, source) in files {
        if path.ends_with("tests.rs") {
            continue; // a sibling module of unit tests
        }
        let me = module_of(path);
        let Some(my_layer) = me.split("::").next().and_then(layer_of) else { continue };
        for target in imports_of(&code_of(source)) {
            let top = target.split("::").next().unwrap_or_default();
            let Some(their_layer) = layer_of(top) else { continue };
            if their_layer > my_layer {
                errors.push(format!("{path}: `{me}` (layer {my_layer}) uses `{target}` (layer {their_layer}), a higher layer"));
            }
            let node = if modules.contains(&target) { target.clone() } else { top.to_string() };
            if node != me && !me.starts_with(&format!("{node}::")) && !node.starts_with(&format!("{me}::")) {
                graph.entry(me.clone()).or_default().insert(node);
            }
        }
    }
    for cycle in cycles(&graph) {
        errors.push(format!("import loop: {}", cycle.join(" -> ")));
    }
    errors
}

/// One loop through each strongly connected group of modules (depth-first search).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, stack: &mut Vec<String>, done: &mut BTreeSet<String>, found: &mut Vec<Vec<String>>) {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            found.push(c);
            return;
        }
        if done.contains(n) {
            return;
        }
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, stack, done, found);
        }
        stack.pop();
        done.insert(n.to_string());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<(String, String)> {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let rel = p.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                    out.push((rel, std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out
    }

    #[test]
    fn the_crate_keeps_its_layers() {
        let errors = violations(&sources());
        assert!(errors.is_empty(), "layering violations:\n{}", errors.join("\n"));
    }

    #[test]
    fn an_upward_import_is_caught() {
        let files = vec![
            ("domain/mod.rs".to_string(), "use crate::store::Store;\n".to_string()),
            ("store/mod.rs".to_string(), "use crate::domain::Name;\n".to_string()),
        ];
        let errors = violations(&files);
        assert!(errors.iter().any(|e| e.contains("`domain` (layer 1) uses `store` (layer 2)")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("import loop")), "{errors:?}");
    }

    #[test]
    fn loops_inside_a_layer_are_caught_and_comments_and_tests_ignored() {
        let files = vec![
            ("ops/a.rs".to_string(), "use crate::{ops::b, store};\n".to_string()),
            ("ops/b.rs".to_string(), "// crate::http::state\nfn f() { crate::ops::a::g() }\n#[cfg(test)]\nmod tests { use crate::http; }\n".to_string()),
        ];
        let errors = violations(&files);
        assert_eq!(errors, vec!["import loop: ops::a -> ops::b -> ops::a".to_string()]);
    }

    #[test]
    fn module_paths() {
        assert_eq!(module_of("ops/files.rs"), "ops::files");
        assert_eq!(module_of("store/mod.rs"), "store");
        assert_eq!(module_of("lib.rs"), "");
    }
}
