//! Packed relative relocations for the `jr` binary (issue 14, binary size).
//!
//! A position-independent executable carries one 24-byte `R_X86_64_RELATIVE`
//! entry per pointer in its data (vtables, string tables): 1.3 MB of
//! `.rela.dyn` in jr. `-z pack-relative-relocs` stores them as a DT_RELR
//! bitmap of a few KB; the binary stays PIE (ASLR kept). The dynamic loader
//! must understand DT_RELR, which glibc does from 2.36, so the flag is only
//! passed when building for the machine we run on (not cross-compiling) and
//! its glibc is 2.36 or newer; otherwise the build goes on without it, a
//! bigger but working binary. Linkers that do not know the option (binutils
//! before 2.38) warn and ignore it; rustc's own rust-lld, the default linker
//! on x86_64 Linux since Rust 1.90, knows it.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
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
