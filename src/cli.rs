//! The command line: kubectl's global flags (kubectl does not forward its own to plugins) and
//! the commands of the specification.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-preview",
    bin_name = "kubectl preview",
    version,
    about = "Per-pull-request preview environments on Flux and the Flux Operator",
    long_about = "Per-pull-request preview environments on Flux and the Flux Operator.\n\n\
        Reads ResourceSetInputProviders of a change-request type (GitHubPullRequest, GitLabMergeRequest, \
        AzureDevOpsPullRequest, GiteaPullRequest, AWSCodeCommitPullRequest) and the ResourceSets that consume \
        them, and tells, from the cluster alone, which pull requests have an environment, where it is, whether \
        it is healthy and whether it runs the pull request's latest commit.\n\n\
        An environment is referred to as PR (`1234`), RESOURCESET/PR (`api-pr-envs/1234`) or \
        NAMESPACE/RESOURCESET/PR (`app-dev/api-pr-envs/1234`).\n\n\
        Exit codes: 0 success, 1 failure, 2 usage error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Connection flags, spelled as kubectl spells them.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (otherwise KUBECONFIG, which may list several files, or ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME", add = crate::completion::context_completer())]
    pub context: Option<String>,
    /// The kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Namespace scope (default: the context's namespace, else `default`)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE", add = crate::completion::namespace_completer())]
    pub namespace: Option<String>,
    /// Look in all namespaces
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,
    /// User to impersonate for the operation
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Group to impersonate for the operation (repeatable)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_group: Vec<String>,
    /// How long to wait for a single server request before giving up (e.g. 5s, 1m); 0 means no timeout
    #[arg(long, global = true, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Do not verify the server's certificate (insecure)
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
    /// Server name to use for server certificate validation
    #[arg(long, global = true, value_name = "NAME")]
    pub tls_server_name: Option<String>,
    /// The address and port of the Kubernetes API server
    #[arg(short = 's', long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// Bearer token for authentication to the API server
    #[arg(long, global = true, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Path to a cert file for the certificate authority
    #[arg(long, global = true, value_name = "PATH")]
    pub certificate_authority: Option<PathBuf>,
    /// Path to a client certificate file for TLS
    #[arg(long, global = true, value_name = "PATH")]
    pub client_certificate: Option<PathBuf>,
    /// Path to a client key file for TLS
    #[arg(long, global = true, value_name = "PATH")]
    pub client_key: Option<PathBuf>,
    /// UID to impersonate for the operation (with --as)
    #[arg(long = "as-uid", global = true, value_name = "UID")]
    pub as_uid: Option<String>,
    /// Do not ask the server to compress responses
    #[arg(long, global = true)]
    pub disable_compression: bool,
    /// Log verbosity, as kubectl's: 6 logs each request (method, URL, status, latency) to stderr, 7 adds request headers, 8 adds bodies (truncated, Secrets redacted)
    #[arg(
        short = 'v',
        long = "v",
        global = true,
        value_name = "N",
        default_value_t = 0
    )]
    pub verbosity: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List preview environments: one row per pull request and ResourceSet
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show the whole story of one environment
    #[command(visible_alias = "describe")]
    Get(GetArgs),
    /// Ask Flux to reconcile an environment's Kustomizations/HelmReleases now, and wait
    Reconcile(ReconcileArgs),
    /// Refresh the preview providers and re-render the ResourceSet now, and print what changed
    Render(RenderArgs),
    /// Tear an environment down, the GitOps way where possible
    #[command(visible_alias = "teardown")]
    Delete(DeleteArgs),
    /// Print the logs of an environment's pods, interleaved, each line prefixed with pod/container
    Logs(LogsArgs),
    /// Put an environment to sleep: suspend its Kustomizations and HelmReleases (--scale-to-zero, --all)
    Suspend(SuspendArgs),
    /// Wake an environment: scale back, resume its Kustomizations and HelmReleases, reconcile, wait
    Resume(ResumeArgs),
    /// Wait until an environment runs a commit and is Ready, then print its URL (for CI)
    Wait(WaitArgs),
    /// Open an environment's URL in a browser (prints it when there is no browser)
    Open(OpenArgs),
    /// Check preview setups against the known gotchas
    Doctor(DoctorArgs),
    /// Print a shell completion script (completes environments from the live cluster)
    Completion(CompletionArgs),
    /// Print the plugin version and, when reachable, the server's and which Flux APIs it serves
    Version(VersionArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListOutput {
    Table,
    Wide,
    Json,
    Yaml,
    Name,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: ListOutput,
    /// Do not print the header row
    #[arg(long)]
    pub no_headers: bool,
    /// Only environments with this STATUS (Failed, Progressing, Outdated, Suspended, Pending, Ready, Unknown)
    #[arg(long, value_name = "STATUS", add = clap_complete::engine::ArgValueCandidates::new(crate::completion::statuses))]
    pub status: Option<String>,
    /// Only environments of this ResourceSet
    #[arg(long, value_name = "NAME", add = crate::completion::resource_set_completer())]
    pub resourceset: Option<String>,
    /// Only pull requests by this author
    #[arg(long, value_name = "AUTHOR")]
    pub author: Option<String>,
    /// Only environments created longer ago than DURATION (7d, 36h, 1d12h)
    #[arg(long, value_name = "DURATION", value_parser = crate::model::duration::parse_age)]
    pub older_than: Option<Duration>,
    /// Only environments that have deployed nothing new for longer than DURATION (7d, 36h)
    #[arg(long, value_name = "DURATION", value_parser = crate::model::duration::parse_age)]
    pub idle: Option<Duration>,
    /// Sort by age (oldest first), deploy (longest since the last deploy first) or pr
    #[arg(long, value_enum, value_name = "KEY")]
    pub sort: Option<SortKey>,
    /// Keep the table live, driven by watches
    #[arg(short = 'w', long)]
    pub watch: bool,
}

impl ListArgs {
    /// The model's query for these flags.
    pub fn query(
        &self,
        status: Option<crate::model::health::Status>,
    ) -> crate::model::environments::Query {
        crate::model::environments::Query {
            status,
            resource_set: self.resourceset.clone(),
            author: self.author.clone(),
            older_than: self.older_than,
            idle: self.idle,
            sort: self.sort.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Age,
    Deploy,
    Pr,
}

impl From<SortKey> for crate::model::environments::Sort {
    fn from(k: SortKey) -> Self {
        match k {
            SortKey::Age => Self::Age,
            SortKey::Deploy => Self::Deploy,
            SortKey::Pr => Self::Pr,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetailOutput {
    Text,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct EnvArg {
    /// Environment: PR, RESOURCESET/PR or NAMESPACE/RESOURCESET/PR (a picker when omitted on a terminal)
    #[arg(add = crate::completion::env_completer())]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Open the pull request's page on its Git host instead of the environment
    #[arg(long)]
    pub pr: bool,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: DetailOutput,
}

#[derive(Debug, Args)]
pub struct WaitFlags {
    /// Give up after this long (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogOutput {
    Text,
    /// One JSON object per line: namespace, pod, container, workload, timestamp, message
    Json,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Keep streaming, and pick up the new pods a rollout starts
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only lines newer than DURATION (5s, 2m, 3h)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<Duration>,
    /// Lines of recent log per container (-1: all of it)
    #[arg(long, value_name = "N", default_value_t = -1, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(-1..))]
    pub tail: i64,
    /// Only containers of this name
    #[arg(short = 'c', long, value_name = "NAME")]
    pub container: Option<String>,
    /// The previous instance of each container (the one before its last restart)
    #[arg(short = 'p', long, conflicts_with = "follow")]
    pub previous: bool,
    /// Show each line's timestamp
    #[arg(long)]
    pub timestamps: bool,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: LogOutput,
}

#[derive(Debug, Args)]
pub struct SuspendArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Also scale the environment's Deployments and StatefulSets to 0 (resume scales them back)
    #[arg(long)]
    pub scale_to_zero: bool,
    /// Every environment in scope (narrow it with --older-than and --idle)
    #[arg(long, conflicts_with = "env")]
    pub all: bool,
    /// With --all: only environments created longer ago than DURATION (7d, 36h, 1d12h)
    #[arg(long, value_name = "DURATION", requires = "all", value_parser = crate::model::duration::parse_age)]
    pub older_than: Option<Duration>,
    /// With --all: only environments that have deployed nothing new for longer than DURATION
    #[arg(long, value_name = "DURATION", requires = "all", value_parser = crate::model::duration::parse_age)]
    pub idle: Option<Duration>,
    /// Print what would be suspended and scaled, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Resume and request a reconcile without waiting
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitFlags,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Every environment in scope
    #[arg(long, conflicts_with = "env")]
    pub all: bool,
    /// Also reconcile the sources of the Kustomizations/HelmReleases
    #[arg(long)]
    pub with_source: bool,
    /// Trigger and return without waiting
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub wait: WaitFlags,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A preview ResourceSet or an environment (default: every preview ResourceSet in scope)
    #[arg(add = crate::completion::render_target_completer())]
    pub target: Option<String>,
    /// Render here, as the Flux Operator would, with the providers' exported inputs, and print the
    /// objects per PR; nothing in the cluster is changed
    #[arg(long)]
    pub local: bool,
    /// A ResourceSet manifest to render instead of the cluster's (implies --local; `-` reads stdin)
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "FILE",
        conflicts_with = "target"
    )]
    pub filename: Option<PathBuf>,
    /// Input sets from a YAML or JSON file (a list of maps), instead of the providers' exported
    /// inputs, as `flux-operator build rset --inputs-from` (implies --local)
    #[arg(long, value_name = "FILE")]
    pub inputs: Option<PathBuf>,
    /// Compare what would be rendered with what is applied now; exit 1 when they differ, 2 on
    /// errors (implies --local)
    #[arg(long)]
    pub diff: bool,
    /// Output format of --local: yaml or json
    #[arg(short = 'o', long, value_enum, default_value_t = LocalOutput::Yaml)]
    pub output: LocalOutput,
    #[command(flatten)]
    pub wait: WaitFlags,
}

impl RenderArgs {
    /// Whether to render here rather than through the API server.
    pub fn is_local(&self) -> bool {
        self.local || self.filename.is_some() || self.inputs.is_some() || self.diff
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LocalOutput {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// Every environment of a PR that is no longer exported but left objects behind, in one plan
    #[arg(long, conflicts_with_all = ["env", "force"])]
    pub closed: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Delete even though the provider still exports the pull request (it will come back)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub wait: WaitFlags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaitOutput {
    Url,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    #[command(flatten)]
    pub env: EnvArg,
    /// The commit the environment must run (default: the pull request's head)
    #[arg(long, value_name = "SHA")]
    pub sha: Option<String>,
    /// Output format (github: also append url= and status= lines to $GITHUB_OUTPUT)
    #[arg(short = 'o', long, value_enum, default_value = "url")]
    pub output: WaitOutput,
    #[command(flatten)]
    pub wait: WaitFlags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorOutput {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Check only this ResourceSet
    #[arg(add = crate::completion::resource_set_completer())]
    pub resourceset: Option<String>,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: DoctorOutput,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to print a completion script for
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionOutput {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: VersionOutput,
    /// Print only the plugin version; do not contact the cluster
    #[arg(long)]
    pub client: bool,
}

pub use crate::model::duration::parse_duration;

impl From<&GlobalArgs> for crate::cluster::client::ConnectOptions {
    fn from(g: &GlobalArgs) -> Self {
        crate::cluster::client::ConnectOptions {
            kubeconfig: g.kubeconfig.clone(),
            context: g.context.clone(),
            cluster: g.cluster.clone(),
            user: g.user.clone(),
            namespace: g.namespace.clone(),
            all_namespaces: g.all_namespaces,
            as_user: g.as_user.clone(),
            as_group: g.as_group.clone(),
            request_timeout: g.request_timeout,
            insecure_skip_tls_verify: g.insecure_skip_tls_verify,
            tls_server_name: g.tls_server_name.clone(),
            server: g.server.clone(),
            token: g.token.clone(),
            certificate_authority: g.certificate_authority.clone(),
            client_certificate: g.client_certificate.clone(),
            client_key: g.client_key.clone(),
            as_uid: g.as_uid.clone(),
            disable_compression: g.disable_compression,
            verbosity: g.verbosity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspend_selects_by_age_only_with_all() {
        use clap::Parser;
        let parse =
            |args: &[&str]| Cli::try_parse_from([&["kubectl-preview", "suspend"], args].concat());
        assert!(
            parse(&[
                "--all",
                "--older-than",
                "7d",
                "--idle",
                "2d",
                "--scale-to-zero"
            ])
            .is_ok()
        );
        assert!(parse(&["12", "--scale-to-zero"]).is_ok());
        for bad in [
            &["--older-than", "7d"][..],
            &["--idle", "1h"],
            &["12", "--all"],
            &["--all", "--idle", "soon"],
        ] {
            let e = parse(bad).expect_err("a usage error");
            assert_eq!(e.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn durations_parse_like_kubectl() {
        let cases = [
            ("0", Duration::ZERO),
            ("30", Duration::from_secs(30)),
            ("5s", Duration::from_secs(5)),
            ("1m30s", Duration::from_secs(90)),
            ("2h", Duration::from_secs(7200)),
            ("1.5s", Duration::from_millis(1500)),
            ("250ms", Duration::from_millis(250)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in ["", "5x", "m", "abc", "5s3"] {
            assert!(parse_duration(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn durations_follow_go_syntax_with_checked_arithmetic() {
        let ok = [
            ("1h30m", Duration::from_secs(5400)),
            ("1.5h", Duration::from_secs(5400)),
            ("300ms", Duration::from_millis(300)),
            ("2m3.5s", Duration::from_millis(123_500)),
            (".5s", Duration::from_millis(500)),
            ("5.s", Duration::from_secs(5)),
            ("+5s", Duration::from_secs(5)),
            ("1h1m1s1ms1us1ns", Duration::new(3661, 1_001_001)),
            ("1\u{b5}s", Duration::from_micros(1)),
            ("1\u{3bc}s", Duration::from_micros(1)),
            ("0s", Duration::ZERO),
            ("0.000000001s", Duration::from_nanos(1)),
            ("1.0000000000000000000000001s", Duration::from_secs(1)),
            (
                "2562047h47m16.854775807s",
                Duration::new(9_223_372_036, 854_775_807),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in [
            "99999999999999999999h",
            "2562047h47m16.854775808s",
            "2562048h",
            "9223372037",
            "99999999999999999999999999999999999999999",
            "1e3s",
            "-5s",
            "-0",
            ".s",
            "1.5",
            "5 s",
            "1d",
            "\u{e9}",
            "5\u{e9}",
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.starts_with("invalid duration"), "{bad}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
        assert!(
            parse_duration("99999999999999999999h")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
