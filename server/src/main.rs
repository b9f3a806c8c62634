fn main() -> std::process::ExitCode {
    // glibc raises its mmap threshold after a large block is freed, and from then on
    // keeps freed 19 MiB argon2 blocks in its arenas: a few sign-ins would hold
    // 100+ MiB. A fixed threshold gives large blocks back to the system when freed.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in main, before any other thread exists; mallopt
    // only tunes the allocator.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
    kunci_server::cli::main()
}
