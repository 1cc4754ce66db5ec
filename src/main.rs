//! The `vestnik` binary: a thin shell over the library (see `vestnik::cli`).

fn main() {
    std::process::exit(vestnik::cli::run());
}
