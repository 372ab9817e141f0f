//! Running external tools: missing programs are named with their package, failures keep their stderr.

use std::path::Path;
use std::process::{Command, Output};

use crate::TbError;

/// An external program and the Debian package that provides it.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub name: &'static str,
    pub program: &'static str,
    pub package: &'static str,
}

pub const IVERILOG: Tool = Tool { name: "Icarus Verilog", program: "iverilog", package: "iverilog" };
pub const VVP: Tool = Tool { name: "Icarus Verilog runtime", program: "vvp", package: "iverilog" };

/// A fresh temporary folder holding `files` (name, contents); removed when dropped, or on Ctrl-C
/// ([`nbq_quant::scratch`]).
pub fn workdir(files: &[(&str, &str)]) -> Result<tempfile::TempDir, TbError> {
    let dir = nbq_quant::scratch::tempdir().map_err(|e| TbError::Io {
        what: "create a temporary folder",
        path: "/tmp".into(),
        source: e,
    })?;
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).map_err(|e| TbError::Io { what: "write", path, source: e })?;
    }
    Ok(dir)
}

impl Tool {
    /// Runs the program with `args` in `dir`; a non-zero exit is an error carrying stdout and stderr.
    pub fn run(&self, args: &[&str], dir: &Path) -> Result<Output, TbError> {
        let program = if self.program.contains('/') { dir.join(self.program) } else { self.program.into() };
        self.run_program(&program, args, dir)
    }

    /// Runs this tool from `program` (a path the caller resolved, or a name looked up on PATH) with `args` in
    /// `dir`; a non-zero exit is an error carrying stdout and stderr.
    pub fn run_program(&self, program: &Path, args: &[&str], dir: &Path) -> Result<Output, TbError> {
        let out = Command::new(program).args(args).current_dir(dir).output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                TbError::MissingTool { tool: self.name, program: self.program, package: self.package }
            } else {
                TbError::Io { what: "run", path: self.program.into(), source: e }
            }
        })?;
        if !out.status.success() {
            return Err(TbError::ToolFailed {
                tool: self.name,
                command: format!("{} {}", self.program, args.join(" ")),
                status: out.status.to_string(),
                stderr: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
            });
        }
        Ok(out)
    }
}
