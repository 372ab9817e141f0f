//! Collapsing identical modules in rust-hdl's output.
//!
//! rust-hdl 0.46 emits one module per instance (`top$convs$7$rows$2$pes$1`, ...), so an engine of thousands of
//! identical PEs becomes thousands of identical module bodies. This pass keeps one module per distinct body:
//! working from the deepest modules up, every module whose text (with its own name and the already-merged names
//! of its sub-modules substituted) equals an earlier one is dropped, and its instantiations are pointed at the
//! survivor. The design is structurally the same, which the co-simulation of collapsed engines confirms.

use std::collections::HashMap;

struct Module {
    name: String,
    text: String,
}

/// Splits rust-hdl's output into modules (`module NAME(...` up to `endmodule // NAME`).
fn split(verilog: &str) -> Option<(String, Vec<Module>)> {
    let mut preamble = String::new();
    let mut modules = Vec::new();
    let mut current: Option<Module> = None;
    for line in verilog.split_inclusive('\n') {
        if let Some(m) = current.as_mut() {
            m.text.push_str(line);
            if line.trim_start().starts_with("endmodule") {
                modules.push(current.take()?);
            }
        } else if let Some(rest) = line.strip_prefix("module ") {
            let name = rest.split('(').next()?.trim().to_string();
            current = Some(Module { name, text: line.to_string() });
        } else if modules.is_empty() {
            preamble.push_str(line);
        }
    }
    if current.is_some() {
        return None;
    }
    Some((preamble, modules))
}

/// Rewrites the module-type names of instantiation lines (`    TYPE INSTANCE(`) through `map`.
fn rename_instances(text: &str, map: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let mut words = trimmed.splitn(2, ' ');
        match (words.next(), words.next()) {
            (Some(ty), Some(rest)) if rest.trim_end().ends_with('(') && map.contains_key(ty) => {
                out.push_str(indent);
                out.push_str(&map[ty]);
                out.push(' ');
                out.push_str(rest);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Collapses identical modules; returns the input unchanged if it is not in rust-hdl's layout.
pub fn collapse(verilog: &str) -> String {
    let Some((preamble, mut modules)) = split(verilog) else {
        return verilog.to_string();
    };
    // Deepest first: a module's sub-modules have longer names ("top$a" < "top$a$b").
    let mut order: Vec<usize> = (0..modules.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(modules[i].name.matches('$').count()));
    let mut map: HashMap<String, String> = HashMap::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut keep = vec![true; modules.len()];
    for &i in &order {
        let text = rename_instances(&modules[i].text, &map);
        let name = modules[i].name.clone();
        let key = text
            .replace(&format!("module {name}("), "module \u{0}(")
            .replace(&format!("endmodule // {name}"), "endmodule // \u{0}");
        match seen.get(&key) {
            Some(survivor) if name != "top" => {
                map.insert(name, survivor.clone());
                keep[i] = false;
            }
            _ => {
                seen.insert(key, name.clone());
                modules[i].text = text;
            }
        }
    }
    // Modules kept early may instantiate modules merged later only if depth ordering failed; rename once more.
    let mut out = preamble;
    for (m, k) in modules.iter().zip(&keep) {
        if *k {
            out.push_str(&rename_instances(&m.text, &map));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "\n\nmodule top(a);\n    top$x x(\n    );\n    top$y y(\n    );\nendmodule // top\n\n\
module top$x(a);\n    top$x$p p(\n    );\nendmodule // top$x\n\nmodule top$x$p(a);\n    assign a = 1;\nendmodule // top$x$p\n\n\
module top$y(a);\n    top$y$p p(\n    );\nendmodule // top$y\n\nmodule top$y$p(a);\n    assign a = 1;\nendmodule // top$y$p\n";

    #[test]
    fn identical_subtrees_collapse_to_one() {
        let c = collapse(V);
        assert_eq!(c.matches("\nmodule ").count(), 3, "{c}");
        assert!(c.contains("    top$x y(\n"), "{c}");
        assert!(!c.contains("top$y"), "{c}");
    }

    #[test]
    fn different_bodies_are_kept() {
        let v = V.replacen("assign a = 1;\nendmodule // top$y$p", "assign a = 0;\nendmodule // top$y$p", 1);
        let c = collapse(&v);
        assert_eq!(c.matches("\nmodule ").count(), 5, "{c}");
    }
}
