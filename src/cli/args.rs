//! Argument definitions. Checked here once; later stages never see flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "confsum",
    version,
    about = "Checksums and lints for the ConfigMaps and Secrets your Kubernetes workloads consume",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Colour in reports on a terminal: auto (honours NO_COLOR, FORCE_COLOR
    /// and CLICOLOR_FORCE), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Threads for reading, parsing and checksums [default: all cores].
    #[arg(short = 'j', long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show which workloads consume which ConfigMaps and Secrets, with their checksums.
    #[command(
        after_help = "Examples:\n  confsum graph charts/api -f prod-values.yaml\n  helm template my-release ./chart | confsum graph\n  confsum graph --format json manifests/\n  confsum graph --format mermaid deploy.yaml"
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
    /// Report anti-patterns: Secrets in env, missing keys, oversized objects, values the API server rejects.
    #[command(
        after_help = "Examples:\n  confsum lint charts/api --all-values       # a chart: rendered with helm\n  confsum lint --fix --diff charts/api       # checksum annotations for its templates\n  helm template r ./chart | confsum lint\n  confsum lint manifests/ --format sarif --output confsum.sarif\n  confsum lint --fail-on warning --ignore unused-config k8s/\n\nConfiguration (.confsum.yaml):\n  rules: {missing-object: error, unused-config: off}\n  ignore: [vendor/*, Secret/*/legacy-*]\n  settings: {near-size-limit: 0.8}\n\nInline: annotate an object or pod template with confsum.dev/ignore: \"rule-id,rule-id\"."
    )]
    Lint(LintArgs),
    /// KRM function (kustomize, kpt): a ResourceList on stdin, checksums and lint results out.
    #[command(
        after_help = "Reads a ResourceList (KRM Functions Specification) on standard input and writes it on standard output with checksums injected into `items` and lint findings in `results` (rule id in `tags`). Options come from the functionConfig's `data` or `spec`: lint (true/false), failOn (error, warning, info, never), namespace, configAnnotation, secretAnnotation, ignore.\n\nExamples:\n  kustomize build --enable-alpha-plugins --enable-exec overlays/prod   # with integrations/kustomize-krm\n  confsum krm < resource-list.yaml"
    )]
    Krm(KrmArgs),
    /// Compare two renders: which workloads will roll, and why.
    #[command(
        after_help = "Examples:\n  helm template r ./chart -f old-values.yaml > old.yaml; helm template r ./chart -f new-values.yaml > new.yaml\n  confsum plan old.yaml new.yaml\n  helm template r ./chart | confsum plan rendered/ - --format markdown\n  confsum plan --exit-code old/ new/     # exit 1 when anything would roll"
    )]
    Plan(PlanArgs),
    /// Print a rule's documentation.
    #[command(after_help = "Example:\n  confsum explain secret-in-env")]
    Explain(ExplainArgs),
    /// List every rule with its default severity.
    #[command(after_help = "Examples:\n  confsum rules\n  confsum rules | grep error")]
    Rules,
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  confsum completions bash > /etc/bash_completion.d/confsum\n  confsum completions zsh > \"${fpath[1]}/_confsum\"\n  confsum completions fish > ~/.config/fish/completions/confsum.fish"
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one per command into a folder.
    #[command(
        after_help = "Examples:\n  confsum man > /usr/local/share/man/man1/confsum.1\n  confsum man --dir /usr/local/share/man/man1   # confsum.1, confsum-inject.1, ..."
    )]
    Man(ManArgs),
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files or folders of YAML (`*.yaml`, `*.yml`); `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Namespace for objects that name none [default: `default`].
    #[arg(short, long, env = "HELM_NAMESPACE")]
    pub namespace: Option<String>,
    /// Also read the other files of each given file's scope (its
    /// kustomization root, else its folder, or a `scopes:` folder of
    /// `.confsum.yaml`), so that references resolve as in a full run. Only
    /// the given files are written and reported on; a file of the scope that
    /// now needs new checksums fails the run. pre-commit's hooks use this.
    #[arg(long)]
    pub whole_scope: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DigestArgs {
    /// Use HMAC-SHA256 with the key in this file (trailing newline ignored).
    #[arg(long, value_name = "FILE")]
    pub hmac_key_file: Option<PathBuf>,
    /// What a checksum covers: `all` consumed config (config reloaded in
    /// place by a sidecar excepted), or only what a running container never
    /// sees change (`frozen`: env, envFrom, subPath mounts).
    #[arg(long, value_enum, default_value_t = RolloutOn::All, value_name = "WHAT")]
    pub rollout_on: RolloutOn,
    /// A ConfigMap or Secret that exists in the cluster though not in the
    /// input (`Secret/tls`, `Secret/prod/db-*`), as `external:` of
    /// `.confsum.yaml` declares; repeatable.
    #[arg(long, value_name = "KIND/NAME")]
    pub assume_exists: Vec<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutOn {
    All,
    Frozen,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Text,
    Json,
    Dot,
    Mermaid,
    // A standalone SVG picture, laid out by layout-rs.
    Svg,
}

/// How to render a chart given as PATH (a folder with Chart.yaml, or a .tgz).
#[derive(Args, Debug, Clone, Default)]
pub struct ChartArgs {
    /// The helm binary [default: `helm` on PATH].
    #[arg(
        help_heading = "Helm charts",
        long,
        value_name = "PATH",
        env = "CONFSUM_HELM"
    )]
    pub helm: Option<PathBuf>,
    /// Values file for `helm template` (repeatable, order kept).
    #[arg(
        help_heading = "Helm charts",
        short = 'f',
        long = "values",
        value_name = "FILE"
    )]
    pub values: Vec<PathBuf>,
    /// `--set` for `helm template` (repeatable).
    #[arg(help_heading = "Helm charts", long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// `--set-string` for `helm template` (repeatable).
    #[arg(help_heading = "Helm charts", long, value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Release name [default: the chart's name].
    #[arg(help_heading = "Helm charts", long, value_name = "NAME")]
    pub release_name: Option<String>,
    /// `--kube-version` for `helm template`.
    #[arg(help_heading = "Helm charts", long, value_name = "VERSION")]
    pub kube_version: Option<String>,
    /// `--api-versions` for `helm template` (repeatable).
    #[arg(help_heading = "Helm charts", long, value_name = "VERSION")]
    pub api_versions: Vec<String>,
    /// Stop a helm call that takes longer than this (`90s`, `5m`).
    #[arg(help_heading = "Helm charts", long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub helm_timeout: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub chart: ChartArgs,
    #[command(flatten)]
    pub digest: DigestArgs,
    /// The output: text (a tree), json, dot (Graphviz), mermaid or svg.
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
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also name each workload written, with its checksums, on stderr.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Args, Debug)]
pub struct PostRenderArgs {
    /// Not taken: Helm passes manifests on stdin. Named here only to explain.
    #[arg(hide = true)]
    pub paths: Vec<PathBuf>,
    /// Namespace for objects that name none [default: `default`].
    #[arg(short, long, env = "HELM_NAMESPACE")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub digest: DigestArgs,
    #[command(flatten)]
    pub annotations: AnnotationArgs,
    /// Print no notes on stderr.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also name each workload written, with its checksums, on stderr.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Gitlab,
    Junit,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub chart: ChartArgs,
    /// Lint each chart with its defaults and with each `ci/*-values.yaml`.
    #[arg(long, help_heading = "Helm charts")]
    pub all_values: bool,
    /// Treat each PATH as the chart that holds it (for pre-commit, which
    /// passes changed files); paths outside any chart are skipped.
    #[arg(long)]
    pub owning_charts: bool,
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Turn a rule off (repeatable).
    #[arg(long, value_name = "ID")]
    pub ignore: Vec<String>,
    /// Configuration file [default: `.confsum.yaml` here or in a folder above].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also write the report to this file (for SARIF uploads).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub digest: DigestArgs,
    #[command(flatten)]
    pub annotations: AnnotationArgs,
    /// Print only the findings, no summary line.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also name, on stderr, each file left out as not Kubernetes manifests.
    #[arg(short, long)]
    pub verbose: bool,
    /// Write the checksum annotations config-change-no-rollout asks for
    /// into each chart's templates, once helm renders of the edited chart
    /// (defaults and every `ci/*-values.yaml`) prove them; then lint again.
    #[arg(long, help_heading = "Fixing charts")]
    pub fix: bool,
    /// With --fix: print the proven edits as a unified diff and change
    /// nothing (exit 1 when there are some).
    #[arg(long, requires = "fix", help_heading = "Fixing charts")]
    pub diff: bool,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `confsum.1` and one `confsum-COMMAND.1` per command into this folder.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct KrmArgs {
    #[command(flatten)]
    pub digest: DigestArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A rule id, as `confsum rules` lists them.
    pub rule: String,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// OLD and NEW: the current and the next render, each a file, a folder,
    /// a chart, or `-` for stdin. With `--git REV`: the paths to read (or
    /// render) at REV and in the work tree [default: `.`].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Plan from a git revision to the work tree: each PATH is read (charts
    /// rendered) as it is at REV and as it is now (`--git main`: what will
    /// my branch restart?).
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    #[command(flatten)]
    pub chart: ChartArgs,
    /// Namespace for objects that name none [default: `default`].
    #[arg(short, long, env = "HELM_NAMESPACE")]
    pub namespace: Option<String>,
    /// The output: human, json (docs/plan.md) or markdown (pull-request comments).
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Exit 1 when anything would roll (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub digest: DigestArgs,
    #[command(flatten)]
    pub annotations: AnnotationArgs,
}
