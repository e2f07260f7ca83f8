//! Link flags for the `jr` binary that make it smaller (issue 14, binary
//! size; `python3 bench/size.py` measures them).
//!
//! - Packed relative relocations. A position-independent executable carries
//!   one 24-byte `R_X86_64_RELATIVE` entry per pointer in its data (vtables,
//!   string tables): 1.3 MB of `.rela.dyn` in jr. `-z pack-relative-relocs`
//!   stores them as a DT_RELR bitmap of a few KB; the binary stays PIE (ASLR
//!   kept). The dynamic loader must understand DT_RELR, which glibc does from
//!   2.36, so the flag is only passed when building for the machine we run on
//!   (not cross-compiling) and its glibc is 2.36 or newer; otherwise the build
//!   goes on without it, a bigger but working binary. Linkers that do not know
//!   the option (binutils before 2.38) warn and ignore it; rustc's own
//!   rust-lld, the default linker on x86_64 Linux since Rust 1.90, knows it.
//! - Identical code folding (`--icf=all`, release builds): the linker keeps
//!   one copy of functions whose machine code is the same (generic code
//!   instantiated for types of the same layout that LLVM's own merging
//!   missed): 0.14 MB. Rust promises no distinct function addresses (rustc
//!   asks MSVC's linker for the same, `/OPT:ICF`). Not in debug builds, whose
//!   links it would only slow down.
//! - No unwind tables (`.eh_frame`, `.eh_frame_hdr`: 1.35 MB) in release
//!   builds, which abort on a panic (`panic = "abort"` in Cargo.toml): then
//!   nothing unwinds, and the tables only serve a backtrace, which a stripped
//!   binary prints as a column of `<unknown>` frames anyway. A linker script
//!   discards them; rustc's `-C force-unwind-tables=no` cannot be set per
//!   profile on stable Cargo, and would keep std's and SQLite's.
//!
//! The last two are tried on an empty program with the same compiler, linker
//! and flags first; a linker that refuses them (GNU ld does not know
//! `--icf`) gets neither, with a warning, and the build goes on.
use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-env-changed=CARGO_PROFILE_RELEASE_PANIC");
    let var = |k: &str| env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return;
    }
    if glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    } else {
        println!(
            "cargo:warning=glibc older than 2.36 (or unknown): jr is linked without packed relative relocations (DT_RELR), about 1.3 MB bigger"
        );
    }
    if var("PROFILE") != "release" {
        return;
    }
    let out = PathBuf::from(var("OUT_DIR"));
    let mut args = vec!["-Wl,--icf=all".to_string()];
    if release_aborts() {
        let script = out.join("no-unwind-tables.ld");
        let text =
            "SECTIONS { /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) } } INSERT AFTER .text;\n";
        if std::fs::write(&script, text).is_ok() {
            args.push(format!("-Wl,-T,{}", script.display()));
        }
    }
    if links(&out, &args) {
        for a in &args {
            println!("cargo:rustc-link-arg-bins={a}");
        }
    } else {
        println!(
            "cargo:warning=the linker refused {}: jr is linked without identical code folding and with its unwind tables, about 1.5 MB bigger",
            args.join(" ")
        );
    }
}

/// Whether release builds abort on a panic. Build scripts are not told the
/// profile's panic strategy (`CARGO_CFG_PANIC` says "unwind" whatever it
/// is), so this reads `[profile.release]` of Cargo.toml, and the variable
/// that overrides it.
fn release_aborts() -> bool {
    if let Ok(p) = env::var("CARGO_PROFILE_RELEASE_PANIC") {
        return p == "abort";
    }
    let manifest =
        Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("Cargo.toml");
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    let mut in_release = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_release = line == "[profile.release]";
        } else if in_release && line.replace(' ', "") == "panic=\"abort\"" {
            return true;
        }
    }
    false
}

/// Whether an empty program links with `args`, built by the same rustc with
/// the same linker and flags as jr.
fn links(out: &Path, args: &[String]) -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut cmd = Command::new(rustc);
    cmd.args([
        "-",
        "--crate-type",
        "bin",
        "--crate-name",
        "probe",
        "--target",
    ])
    .arg(env::var("TARGET").unwrap_or_default())
    .arg("-o")
    .arg(out.join("link-probe"));
    if let Ok(linker) = env::var("RUSTC_LINKER") {
        cmd.arg(format!("-Clinker={linker}"));
    }
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    cmd.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    for a in args {
        cmd.arg(format!("-Clink-arg={a}"));
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(b"fn main() {}\n");
    }
    child.wait().is_ok_and(|s| s.success())
}

/// `getconf GNU_LIBC_VERSION` prints "glibc 2.36".
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else {
        return false;
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (a, b) >= (major, minor)
}
