//! Link settings of the shipped binaries.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        // Packed relative relocations (DT_RELR; glibc 2.36, binutils 2.38): the loader reads a few
        // KiB of relocations at start instead of ~450 KiB of `.rela.dyn`, which otherwise stays
        // resident. The sidecar's idle RSS is a target of its own (docs/benchmarks.md).
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
