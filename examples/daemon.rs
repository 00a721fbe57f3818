//! `daemon --config sync.toml`: placeholder until issue 8 lands.

fn main() {
    eprintln!("the daemon is not built yet (issue 8)");
    std::process::exit(1);
}
