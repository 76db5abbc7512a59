//! Argument definitions. Checked here once; later stages never see flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "confsum",
    version,
    about = "Checksums and lints for the ConfigMaps and Secrets your Kubernetes workloads consume"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show which workloads consume which ConfigMaps and Secrets, with their checksums.
    #[command(
        after_help = "Examples:\n  helm template my-release ./chart | confsum graph\n  confsum graph --format json manifests/\n  confsum graph --format mermaid deploy.yaml"
    )]
    Graph(GraphArgs),
    /// Write config and secret checksums into each workload's pod template.
    #[command(
        after_help = "Examples:\n  helm template r ./chart | confsum inject > out.yaml\n  confsum inject --write manifests/\n  confsum inject --check manifests/   # exit 1 if a file would change\n  confsum inject --diff manifests/"
    )]
    Inject(InjectArgs),
    /// Helm post-renderer: manifests on stdin, checksummed manifests on stdout.
    #[command(
        after_help = "Examples:\n  helm upgrade --install r ./chart --post-renderer confsum --post-renderer-args post-render"
    )]
    PostRender(PostRenderArgs),
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files or folders of YAML (`*.yaml`, `*.yml`); `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Namespace for objects that name none [default: $HELM_NAMESPACE, else `default`].
    #[arg(short, long)]
    pub namespace: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DigestArgs {
    /// Use HMAC-SHA256 with the key in this file (trailing newline ignored).
    #[arg(long, value_name = "FILE")]
    pub hmac_key_file: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub digest: DigestArgs,
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
}

#[derive(Args, Debug, Clone)]
pub struct AnnotationArgs {
    /// Annotation key for the ConfigMap checksum.
    #[arg(long, value_name = "KEY", default_value = confsum::inject::DEFAULT_CONFIG_ANNOTATION)]
    pub config_annotation: String,
    /// Annotation key for the Secret checksum.
    #[arg(long, value_name = "KEY", default_value = confsum::inject::DEFAULT_SECRET_ANNOTATION)]
    pub secret_annotation: String,
}

#[derive(Args, Debug)]
pub struct InjectArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub digest: DigestArgs,
    #[command(flatten)]
    pub annotations: AnnotationArgs,
    /// Rewrite the files in place (atomically, only those that change).
    #[arg(long, conflicts_with_all = ["check", "diff"])]
    pub write: bool,
    /// Change nothing; exit 1 and name each file that would change.
    #[arg(long, conflicts_with = "diff")]
    pub check: bool,
    /// Print a unified diff of what would change; exit 1 if anything would.
    #[arg(long)]
    pub diff: bool,
    /// Print no notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct PostRenderArgs {
    /// Namespace for objects that name none [default: $HELM_NAMESPACE, else `default`].
    #[arg(short, long)]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub digest: DigestArgs,
    #[command(flatten)]
    pub annotations: AnnotationArgs,
    /// Print no notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}
