//! `vestnik completions`: the shell's completion script, from the command tree in the
//! process's language (zsh and fish show the commands' and flags' help beside them).

use crate::cli::CliError;

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// Bash: `source <(vestnik completions bash)`, or a file in
    /// /etc/bash_completion.d/.
    Bash,
    /// Zsh: a file `_vestnik` in a folder of `$fpath`.
    Zsh,
    /// Fish: ~/.config/fish/completions/vestnik.fish.
    Fish,
}

/// Arguments of `vestnik completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script of `args.shell` on stdout.
pub fn run(args: CompletionsArgs) -> Result<i32, CliError> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut cmd = crate::cli::help::command(crate::locale::current());
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "vestnik", &mut script);
    crate::cli::emit_bytes(None, &script)?;
    Ok(0)
}
