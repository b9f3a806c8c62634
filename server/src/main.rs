fn main() -> std::process::ExitCode {
    kunci_server::cli::main()
}
