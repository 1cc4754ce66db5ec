//! The `vestnik` binary: a thin shell over the library (see `vestnik::cli`).

/// mimalloc: parsing 100,000 small files allocates millions of short-lived nodes and strings.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(vestnik::cli::run());
}
