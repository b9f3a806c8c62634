/// mimalloc rather than glibc's allocator: allocation and freeing were 15 % of the
/// server's CPU under the token benchmark (BENCHMARKS.md), and a freed 19 MiB argon2
/// block goes back to the system instead of staying in an arena.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kunci_server::cli::main()
}
