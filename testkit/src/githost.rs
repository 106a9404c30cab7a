//! A fake Git host for the test world, on loopback: the real Flux Operator's
//! ResourceSetInputProvider polls it for pull requests, and source-controller clones from it.
//!
//! Its state is a directory, so that one process can serve it while another one (a demo script
//! calling `testkit githost …`) changes it: `<dir>/repos/<owner>/<repo>.git` are bare
//! repositories, `<dir>/pulls.json` holds the pull requests of every repository. The server keeps
//! nothing in memory: it reads `pulls.json` again for each request, and `git http-backend` reads
//! the repositories. Changes take an exclusive lock on `<dir>/lock` (two scripts cannot lose each
//! other's update) and replace `pulls.json` by a rename, so a reader never sees half a file.
//!
//! Served, from the base URL `http://127.0.0.1:PORT` (for both providers the
//! ResourceSetInputProvider's `spec.url` is `BASE/OWNER/REPO`, see [`provider_url`]):
//! - GitHub Enterprise's REST layout, which go-github uses for any host other than github.com:
//!   `GET /api/v3/repos/OWNER/REPO`, `…/pulls` (`state`, `per_page`, `page`; `Link` header),
//!   `…/pulls/N`, `…/branches` (`per_page`, `page`);
//! - GitLab's REST layout (`/api/v4/`, the project path escaped into one segment, `owner%2Frepo`):
//!   `GET /api/v4/projects/ID`, `…/merge_requests` (`state`, `labels`, `per_page`, `page`;
//!   `X-Page`, `X-Per-Page`, `X-Total`, `X-Total-Pages`, `X-Next-Page`, `X-Prev-Page`),
//!   `…/merge_requests/IID`, `…/repository/branches` (its `regex` is not applied: the operator
//!   matches the names again itself);
//! - Git smart HTTP, read only, through `git http-backend`: `GET /git/OWNER/REPO.git/info/refs?
//!   service=git-upload-pack` and `POST /git/OWNER/REPO.git/git-upload-pack`; receive-pack is
//!   refused (403), and so is the dumb protocol.
//!
//! Azure DevOps is not served: the operator's `NewAzureDevOpsProvider` accepts no host other than
//! `https://dev.azure.com`, so no loopback server can stand in for it.
//!
//! Titles, authors and labels are untrusted text: they are stored and served as JSON strings,
//! whatever they contain. Branch names pass `git check-ref-format --branch` before any other git
//! command sees them, and reach git only as full refs (`refs/heads/…`), never where they could be
//! read as an option. Git runs with the environment cleared, `HOME` in the state directory and
//! `GIT_CONFIG_NOSYSTEM`, so no user or system configuration changes what it does.
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::{Request, Response, Server, percent_decode};

/// File contents by path (relative, `/`-separated), as committed.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The branch `init` commits to, and new branches start from.
pub const DEFAULT_BRANCH: &str = "main";

const IDENTITY_NAME: &str = "testkit githost";
const IDENTITY_EMAIL: &str = "githost@testkit.invalid";
const ZERO_SHA: &str = "0000000000000000000000000000000000000000";
/// Longest title, author or label, in bytes; most labels on a pull request.
const MAX_TEXT: usize = 64 * 1024;
const MAX_LABELS: usize = 100;
const MAX_BRANCH: usize = 255;
/// Limits of a tree read from a directory (`files_from_dir`).
const MAX_TREE_FILES: usize = 10_000;
const MAX_TREE_BYTES: u64 = 64 * 1024 * 1024;
/// Both APIs cap `per_page` at 100.
const MAX_PER_PAGE: usize = 100;
const CGI_TIMEOUT: Duration = Duration::from_secs(120);
const MAX_CGI_OUTPUT: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullState {
    Open,
    Closed,
}

/// A pull request (a merge request, for the GitLab API), as stored in `pulls.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// `OWNER/REPO`.
    pub repo: String,
    pub number: u64,
    pub title: String,
    /// The author's login (GitHub) or username (GitLab).
    pub author: String,
    /// The head (source) branch; the base is always [`DEFAULT_BRANCH`].
    pub branch: String,
    /// The head commit.
    pub sha: String,
    pub labels: Vec<String>,
    pub state: PullState,
    /// RFC 3339, UTC, whole seconds.
    pub created_at: String,
    pub updated_at: String,
}

/// What [`GitHost::open_pull`] needs; `number: None` takes the next free number.
#[derive(Debug, Clone, Default)]
pub struct NewPull {
    pub number: Option<u64>,
    pub title: String,
    pub author: String,
    pub branch: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    pulls: Vec<PullRequest>,
}

/// A handle on a state directory; cheap to clone, holds no lock between calls.
#[derive(Debug, Clone)]
pub struct GitHost {
    dir: PathBuf,
}

/// A running server for a [`GitHost`]; dropping it stops it.
pub struct GitHostServer {
    _server: Server,
    base: String,
    port: u16,
}

impl GitHostServer {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.base
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// See [`clone_url`].
    pub fn clone_url(&self, repo: &str) -> String {
        clone_url(&self.base, repo)
    }

    /// See [`provider_url`].
    pub fn provider_url(&self, repo: &str) -> String {
        provider_url(&self.base, repo)
    }
}

/// Where Git clones `OWNER/REPO` from: `BASE/git/OWNER/REPO.git`.
pub fn clone_url(base: &str, repo: &str) -> String {
    format!("{}/git/{repo}.git", base.trim_end_matches('/'))
}

/// The ResourceSetInputProvider's `spec.url` for `OWNER/REPO`, GitHub and GitLab alike:
/// `BASE/OWNER/REPO`. The operator's `parseGitHubURL` takes the owner and repository from its
/// path and gives go-github `BASE` as an enterprise URL (requests go to `BASE/api/v3/`);
/// `parseGitLabURL` takes the whole path as the project and gives client-go `BASE` (requests go to
/// `BASE/api/v4/`, the project escaped).
pub fn provider_url(base: &str, repo: &str) -> String {
    format!("{}/{repo}", base.trim_end_matches('/'))
}

/// Every regular file under `dir`, by path relative to it; `.git` entries are left out, and a
/// symbolic link is an error (what it points to is not part of the tree).
pub fn files_from_dir(dir: &Path) -> Result<Files> {
    fn walk(root: &Path, rel: &str, files: &mut Files, bytes: &mut u64) -> Result<()> {
        let here = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        let mut entries = fs::read_dir(&here)
            .with_context(|| format!("read directory {}", here.display()))?
            .collect::<std::io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name
                .to_str()
                .with_context(|| format!("file name {name:?} is not UTF-8"))?;
            if name.eq_ignore_ascii_case(".git") {
                continue;
            }
            let path = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(root, &path, files, bytes)?;
            } else if kind.is_file() {
                let content = fs::read(entry.path()).with_context(|| format!("read {path}"))?;
                *bytes += content.len() as u64;
                ensure!(
                    files.len() < MAX_TREE_FILES && *bytes <= MAX_TREE_BYTES,
                    "{} holds more than {MAX_TREE_FILES} files or {MAX_TREE_BYTES} bytes",
                    root.display()
                );
                files.insert(path, content);
            } else {
                bail!("{path} is not a regular file or a directory");
            }
        }
        Ok(())
    }
    let mut files = Files::new();
    walk(dir, "", &mut files, &mut 0)?;
    Ok(files)
}

impl GitHost {
    /// Opens (creating it if needed) the state directory `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<GitHost> {
        let dir = std::path::absolute(dir.as_ref())
            .with_context(|| format!("state directory {}", dir.as_ref().display()))?;
        for sub in ["repos", "home", "tmp"] {
            fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("create {}", dir.join(sub).display()))?;
        }
        Ok(GitHost { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bare repository of `OWNER/REPO` (which may not exist yet).
    pub fn repo_dir(&self, repo: &str) -> Result<PathBuf> {
        let (owner, name) = split_repo(repo)?;
        Ok(self
            .dir
            .join("repos")
            .join(owner)
            .join(format!("{name}.git")))
    }

    fn existing_repo(&self, repo: &str) -> Result<PathBuf> {
        let path = self.repo_dir(repo)?;
        ensure!(path.is_dir(), "no repository {repo}");
        Ok(path)
    }

    /// Creates `OWNER/REPO` with one commit of `files` on [`DEFAULT_BRANCH`]; returns its sha.
    pub fn init(&self, repo: &str, files: &Files) -> Result<String> {
        let _lock = self.lock()?;
        let path = self.repo_dir(repo)?;
        ensure!(!path.exists(), "repository {repo} already exists");
        let parent = path.parent().context("repository path without a parent")?;
        fs::create_dir_all(parent)?;
        let created = (|| {
            let mut init = self.git(None);
            init.args([
                "init",
                "--bare",
                "--quiet",
                "--initial-branch",
                DEFAULT_BRANCH,
                "--",
            ])
            .arg(&path);
            run(init, None)?;
            self.write_commit(&path, DEFAULT_BRANCH, files, "Initial commit", true)
        })();
        if created.is_err() {
            let _ = fs::remove_dir_all(&path);
        }
        created
    }

    /// Commits `files` on top of `branch` (created from [`DEFAULT_BRANCH`] if missing): they
    /// are added or replace files of the same path, the others stay. Open pull requests of that
    /// branch get the new head. Returns the new sha.
    pub fn commit(&self, repo: &str, branch: &str, files: &Files, message: &str) -> Result<String> {
        self.commit_with(repo, branch, files, message, false)
    }

    /// Like [`GitHost::commit`], but the new tree holds exactly `files` (the others are deleted).
    pub fn replace_tree(
        &self,
        repo: &str,
        branch: &str,
        files: &Files,
        message: &str,
    ) -> Result<String> {
        self.commit_with(repo, branch, files, message, true)
    }

    fn commit_with(
        &self,
        repo: &str,
        branch: &str,
        files: &Files,
        message: &str,
        replace: bool,
    ) -> Result<String> {
        let _lock = self.lock()?;
        let path = self.existing_repo(repo)?;
        let sha = self.write_commit(&path, branch, files, message, replace)?;
        let mut state = self.load()?;
        let mut changed = false;
        for pr in state.pulls.iter_mut() {
            if pr.repo == repo && pr.branch == branch && pr.state == PullState::Open {
                pr.sha = sha.clone();
                pr.updated_at = now();
                changed = true;
            }
        }
        if changed {
            self.save(&state)?;
        }
        Ok(sha)
    }

    /// The tip of `branch`, `None` if there is no such branch.
    pub fn branch_sha(&self, repo: &str, branch: &str) -> Result<Option<String>> {
        self.check_branch(branch)?;
        let path = self.existing_repo(repo)?;
        self.tip(&path, branch)
    }

    /// Every branch of `repo` with its tip, by name.
    pub fn branches(&self, repo: &str) -> Result<Vec<(String, String)>> {
        let path = self.existing_repo(repo)?;
        let mut cmd = self.git(Some(&path));
        cmd.args([
            "for-each-ref",
            "--format=%(objectname) %(refname:strip=2)",
            "refs/heads/",
        ]);
        let out = run(cmd, None)?;
        let mut branches: Vec<(String, String)> = out
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(sha, name)| (name.to_string(), sha.to_string()))
            .collect();
        branches.sort();
        Ok(branches)
    }

    /// Opens a pull request of `new.branch` (which must exist) into [`DEFAULT_BRANCH`].
    pub fn open_pull(&self, repo: &str, new: NewPull) -> Result<PullRequest> {
        check_text("title", &new.title)?;
        check_text("author", &new.author)?;
        let labels = dedup_labels(&[], &new.labels)?;
        self.check_branch(&new.branch)?;
        let _lock = self.lock()?;
        let path = self.existing_repo(repo)?;
        let sha = self
            .tip(&path, &new.branch)?
            .with_context(|| format!("{repo} has no branch {:?}", new.branch))?;
        let mut state = self.load()?;
        let taken = |n: u64| state.pulls.iter().any(|p| p.repo == repo && p.number == n);
        let number = match new.number {
            Some(0) => bail!("pull request numbers start at 1"),
            Some(n) if taken(n) => bail!("{repo} already has a pull request #{n}"),
            Some(n) => n,
            None => {
                let last = state
                    .pulls
                    .iter()
                    .filter(|p| p.repo == repo)
                    .map(|p| p.number)
                    .max()
                    .unwrap_or(0);
                last.checked_add(1).context("no pull request number left")?
            }
        };
        let at = now();
        let pr = PullRequest {
            repo: repo.to_string(),
            number,
            title: new.title,
            author: new.author,
            branch: new.branch,
            sha,
            labels,
            state: PullState::Open,
            created_at: at.clone(),
            updated_at: at,
        };
        state.pulls.push(pr.clone());
        self.save(&state)?;
        Ok(pr)
    }

    /// Commits `files` on the pull request's branch (see [`GitHost::commit`]); the pull request,
    /// closed or not, gets the new head. Returns the new sha.
    pub fn push(&self, repo: &str, number: u64, files: &Files, message: &str) -> Result<String> {
        let branch = self.pull(repo, number)?.branch;
        let sha = self.commit(repo, &branch, files, message)?;
        self.update_pull(repo, number, |pr| {
            pr.sha = sha.clone();
            Ok(())
        })?;
        Ok(sha)
    }

    /// Adds the labels the pull request does not have yet.
    pub fn label(&self, repo: &str, number: u64, labels: &[String]) -> Result<PullRequest> {
        self.update_pull(repo, number, |pr| {
            pr.labels = dedup_labels(&pr.labels, labels)?;
            Ok(())
        })
    }

    /// Removes the labels (those it does not have are ignored).
    pub fn unlabel(&self, repo: &str, number: u64, labels: &[String]) -> Result<PullRequest> {
        self.update_pull(repo, number, |pr| {
            pr.labels.retain(|l| !labels.contains(l));
            Ok(())
        })
    }

    pub fn close(&self, repo: &str, number: u64) -> Result<PullRequest> {
        self.update_pull(repo, number, |pr| {
            pr.state = PullState::Closed;
            Ok(())
        })
    }

    /// Reopens a closed pull request, with the branch's current tip as its head.
    pub fn reopen(&self, repo: &str, number: u64) -> Result<PullRequest> {
        let path = self.existing_repo(repo)?;
        self.update_pull(repo, number, |pr| {
            pr.sha = self
                .tip(&path, &pr.branch)?
                .with_context(|| format!("{repo} has no branch {:?} any more", pr.branch))?;
            pr.state = PullState::Open;
            Ok(())
        })
    }

    pub fn retitle(&self, repo: &str, number: u64, title: &str) -> Result<PullRequest> {
        check_text("title", title)?;
        self.update_pull(repo, number, |pr| {
            pr.title = title.to_string();
            Ok(())
        })
    }

    /// The pull requests of `repo`, by number.
    pub fn pulls(&self, repo: &str) -> Result<Vec<PullRequest>> {
        split_repo(repo)?;
        let mut pulls: Vec<PullRequest> = self
            .load()?
            .pulls
            .into_iter()
            .filter(|p| p.repo == repo)
            .collect();
        pulls.sort_by_key(|p| p.number);
        Ok(pulls)
    }

    pub fn pull(&self, repo: &str, number: u64) -> Result<PullRequest> {
        self.pulls(repo)?
            .into_iter()
            .find(|p| p.number == number)
            .with_context(|| format!("{repo} has no pull request #{number}"))
    }

    fn update_pull(
        &self,
        repo: &str,
        number: u64,
        change: impl FnOnce(&mut PullRequest) -> Result<()>,
    ) -> Result<PullRequest> {
        split_repo(repo)?;
        let _lock = self.lock()?;
        let mut state = self.load()?;
        let pr = state
            .pulls
            .iter_mut()
            .find(|p| p.repo == repo && p.number == number)
            .with_context(|| format!("{repo} has no pull request #{number}"))?;
        change(pr)?;
        pr.updated_at = now();
        let pr = pr.clone();
        self.save(&state)?;
        Ok(pr)
    }

    /// Serves the state directory on a free loopback port.
    pub fn serve(&self) -> Result<GitHostServer> {
        self.serve_on(0)
    }

    /// Serves the state directory on loopback port `port` (0: a free one).
    pub fn serve_on(&self, port: u16) -> Result<GitHostServer> {
        let host = self.clone();
        let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let server = {
            let base = base.clone();
            Server::start_on(port, move |req| {
                // Set as soon as the port is known; nothing can ask before the URL is handed out.
                let base = base.get().map(String::as_str).unwrap_or("http://127.0.0.1");
                host.handle(base, req)
            })
            .with_context(|| format!("listen on 127.0.0.1:{port}"))?
        };
        let url = server.url();
        let _ = base.set(url.clone());
        Ok(GitHostServer {
            port: server.port(),
            _server: server,
            base: url,
        })
    }

    // --- state -----------------------------------------------------------------------------

    fn lock(&self) -> Result<File> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("lock"))
            .context("open the lock file")?;
        file.lock().context("lock the state directory")?;
        Ok(file)
    }

    fn load(&self) -> Result<State> {
        let path = self.dir.join("pulls.json");
        match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).with_context(|| format!("parse {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
        }
    }

    fn save(&self, state: &State) -> Result<()> {
        let tmp = self.temp_path("pulls.json");
        let written = (|| {
            let mut file = File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut file, state)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&tmp, self.dir.join("pulls.json"))?;
            anyhow::Ok(())
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.context("write pulls.json")
    }

    fn temp_path(&self, what: &str) -> PathBuf {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        self.dir
            .join("tmp")
            .join(format!("{what}.{}.{n}", std::process::id()))
    }

    // --- git -------------------------------------------------------------------------------

    /// A git command that reads no configuration but the repository's own.
    fn git(&self, git_dir: Option<&Path>) -> Command {
        let mut cmd = Command::new("git");
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("HOME", self.dir.join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CEILING_DIRECTORIES", &self.dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .env("GIT_AUTHOR_NAME", IDENTITY_NAME)
            .env("GIT_AUTHOR_EMAIL", IDENTITY_EMAIL)
            .env("GIT_COMMITTER_NAME", IDENTITY_NAME)
            .env("GIT_COMMITTER_EMAIL", IDENTITY_EMAIL)
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        if let Some(dir) = git_dir {
            cmd.env("GIT_DIR", dir);
        }
        cmd
    }

    /// Refuses anything git would not take as a branch name, and `-…` (read as an option).
    fn check_branch(&self, branch: &str) -> Result<()> {
        let plain = !branch.is_empty() && branch.len() <= MAX_BRANCH && !branch.starts_with('-');
        ensure!(plain, "invalid branch name {branch:?}");
        let mut cmd = self.git(None);
        cmd.args(["check-ref-format", "--branch", branch]);
        // --branch expands `@{-N}`; the name must come back unchanged.
        match run(cmd, None) {
            Ok(out) if out.strip_suffix('\n') == Some(branch) => Ok(()),
            _ => bail!("invalid branch name {branch:?}"),
        }
    }

    fn tip(&self, git_dir: &Path, branch: &str) -> Result<Option<String>> {
        let mut cmd = self.git(Some(git_dir));
        cmd.args(["rev-parse", "--quiet", "--verify"])
            .arg(format!("refs/heads/{branch}^{{commit}}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = cmd.output().context("run git rev-parse")?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .filter(|s| !s.is_empty()))
    }

    /// Commits without a work tree: a temporary index starts from the base tree (or empty), gets
    /// the blobs, becomes a tree and a commit, and the branch moves only if it still is where it
    /// was read (`update-ref` with the old value).
    fn write_commit(
        &self,
        git_dir: &Path,
        branch: &str,
        files: &Files,
        message: &str,
        replace: bool,
    ) -> Result<String> {
        self.check_branch(branch)?;
        for path in files.keys() {
            check_path(path)?;
        }
        let old = self.tip(git_dir, branch)?;
        let parent = match &old {
            Some(sha) => Some(sha.clone()),
            None => self.tip(git_dir, DEFAULT_BRANCH)?,
        };
        let index = self.temp_path("index");
        let with_index = |args: &[&str]| {
            let mut cmd = self.git(Some(git_dir));
            cmd.env("GIT_INDEX_FILE", &index).args(args);
            cmd
        };
        let written = (|| {
            match (&parent, replace) {
                (Some(sha), false) => run(with_index(&["read-tree", sha]), None)?,
                _ => run(with_index(&["read-tree", "--empty"]), None)?,
            };
            let mut entries = Vec::new();
            for (path, content) in files {
                let mut hash = self.git(Some(git_dir));
                hash.args(["hash-object", "-w", "--stdin"]);
                let blob = run(hash, Some(content))?;
                entries.extend_from_slice(format!("100644 {}\t{path}\0", blob.trim()).as_bytes());
            }
            run(
                with_index(&["update-index", "-z", "--index-info"]),
                Some(&entries),
            )?;
            let tree = run(with_index(&["write-tree"]), None)?;
            let mut commit = self.git(Some(git_dir));
            commit.args(["commit-tree", tree.trim()]);
            if let Some(parent) = &parent {
                commit.args(["-p", parent]);
            }
            let sha = run(commit, Some(message.as_bytes()))?.trim().to_string();
            let mut update = self.git(Some(git_dir));
            update
                .args(["update-ref"])
                .arg(format!("refs/heads/{branch}"))
                .args([sha.as_str(), old.as_deref().unwrap_or(ZERO_SHA)]);
            run(update, None)?;
            Ok(sha)
        })();
        let _ = fs::remove_file(&index);
        written
    }

    // --- HTTP ------------------------------------------------------------------------------

    fn handle(&self, base: &str, req: &Request) -> Response {
        let path = req.path();
        let answer = if let Some(rest) = path.strip_prefix("/api/v3/") {
            self.github(base, req, rest)
        } else if let Some(rest) = path.strip_prefix("/api/v4/") {
            self.gitlab(base, req, rest)
        } else if let Some(rest) = path.strip_prefix("/git/") {
            self.smart_http(req, rest)
        } else {
            Ok(Response::not_found())
        };
        answer
            .unwrap_or_else(|e| Response::json(500, &json!({"message": format!("githost: {e:#}")})))
    }

    /// The repository named by two raw path segments, if it is a valid name that exists.
    fn served_repo(&self, owner: &str, name: &str) -> Option<String> {
        let repo = format!("{owner}/{name}");
        let path = self.repo_dir(&repo).ok()?;
        path.is_dir().then_some(repo)
    }

    fn github(&self, base: &str, req: &Request, rest: &str) -> Result<Response> {
        let not_found = || {
            Response::json(
                404,
                &json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
            )
        };
        let segments: Vec<&str> = rest.split('/').collect();
        let ["repos", owner, name, tail @ ..] = segments.as_slice() else {
            return Ok(not_found());
        };
        let Some(repo) = self.served_repo(owner, name) else {
            return Ok(not_found());
        };
        if req.method != "GET" && req.method != "HEAD" {
            return Ok(Response::json(
                405,
                &json!({"message": "Method Not Allowed"}),
            ));
        }
        let api = format!("{base}/api/v3/repos/{repo}");
        match tail {
            [] => Ok(Response::json(
                200,
                &json!({
                    "id": stable_id(&repo),
                    "name": name,
                    "full_name": repo,
                    "owner": {"login": owner, "type": "User"},
                    "private": false,
                    "default_branch": DEFAULT_BRANCH,
                    "url": api,
                    "html_url": format!("{base}/{repo}"),
                    "clone_url": clone_url(base, &repo),
                }),
            )),
            ["pulls"] => {
                let state = req.query_param("state");
                let state = state.as_deref().unwrap_or("open");
                let wanted = match state {
                    "open" => Some(PullState::Open),
                    "closed" => Some(PullState::Closed),
                    "all" => None,
                    _ => {
                        return Ok(Response::json(
                            422,
                            &json!({"message": "Validation Failed",
                                    "errors": [{"field": "state", "code": "invalid"}]}),
                        ));
                    }
                };
                // GitHub's default order: newest first.
                let mut pulls = self.pulls(&repo)?;
                pulls.retain(|p| wanted.is_none_or(|s| p.state == s));
                pulls.reverse();
                let page = Page::of(req, 30, pulls.len());
                let items: Vec<Value> = page
                    .slice(&pulls)
                    .iter()
                    .map(|p| github_pull(base, p))
                    .collect();
                let link = page.github_link(&format!("{api}/pulls?state={state}&"));
                Ok(with_link(Response::json(200, &Value::Array(items)), link))
            }
            ["pulls", number] => {
                let Ok(number) = number.parse::<u64>() else {
                    return Ok(not_found());
                };
                Ok(
                    match self.pulls(&repo)?.iter().find(|p| p.number == number) {
                        Some(p) => Response::json(200, &github_pull(base, p)),
                        None => not_found(),
                    },
                )
            }
            ["branches"] => {
                let branches = self.branches(&repo)?;
                let page = Page::of(req, 30, branches.len());
                let items: Vec<Value> = page
                    .slice(&branches)
                    .iter()
                    .map(|(name, sha)| {
                        json!({
                            "name": name,
                            "commit": {"sha": sha, "url": format!("{api}/commits/{sha}")},
                            "protected": false,
                        })
                    })
                    .collect();
                let link = page.github_link(&format!("{api}/branches?"));
                Ok(with_link(Response::json(200, &Value::Array(items)), link))
            }
            _ => Ok(not_found()),
        }
    }

    fn gitlab(&self, base: &str, req: &Request, rest: &str) -> Result<Response> {
        let not_found =
            |what: &str| Response::json(404, &json!({"message": format!("404 {what} Not Found")}));
        let segments: Vec<&str> = rest.split('/').collect();
        let ["projects", id, tail @ ..] = segments.as_slice() else {
            return Ok(not_found("Resource"));
        };
        // client-go escapes the project path into one segment (`/` as %2F, `.` as %2E).
        let repo = percent_decode(id, false).and_then(|path| {
            let (owner, name) = path.split_once('/')?;
            self.served_repo(owner, name)
        });
        let Some(repo) = repo else {
            return Ok(not_found("Project"));
        };
        if req.method != "GET" && req.method != "HEAD" {
            return Ok(Response::json(
                405,
                &json!({"message": "405 Method Not Allowed"}),
            ));
        }
        let project_id = stable_id(&repo);
        match tail {
            [] => Ok(Response::json(
                200,
                &json!({
                    "id": project_id,
                    "path": repo.split_once('/').map(|(_, n)| n).unwrap_or_default(),
                    "path_with_namespace": repo,
                    "default_branch": DEFAULT_BRANCH,
                    "web_url": format!("{base}/{repo}"),
                    "http_url_to_repo": clone_url(base, &repo),
                }),
            )),
            ["merge_requests"] => {
                let wanted = match req.query_param("state").as_deref() {
                    None | Some("all") => None,
                    Some("opened") => Some(Some(PullState::Open)),
                    Some("closed") => Some(Some(PullState::Closed)),
                    // Never merged nor locked here.
                    Some("merged" | "locked") => Some(None),
                    Some(_) => {
                        return Ok(Response::json(
                            400,
                            &json!({"error": "state does not have a valid value"}),
                        ));
                    }
                };
                let labels = req.query_param("labels");
                let mut pulls = self.pulls(&repo)?;
                pulls.retain(|p| {
                    wanted.is_none_or(|w| Some(p.state) == w)
                        && labels
                            .as_deref()
                            .is_none_or(|l| gitlab_labels_match(l, &p.labels))
                });
                // GitLab's default order: created_at descending.
                pulls.reverse();
                let page = Page::of(req, 20, pulls.len());
                let items: Vec<Value> = page
                    .slice(&pulls)
                    .iter()
                    .map(|p| gitlab_merge_request(base, project_id, p))
                    .collect();
                Ok(page.gitlab_headers(Response::json(200, &Value::Array(items))))
            }
            ["merge_requests", iid] => {
                let Ok(iid) = iid.parse::<u64>() else {
                    return Ok(not_found("Merge Request"));
                };
                Ok(match self.pulls(&repo)?.iter().find(|p| p.number == iid) {
                    Some(p) => Response::json(200, &gitlab_merge_request(base, project_id, p)),
                    None => not_found("Merge Request"),
                })
            }
            ["repository", "branches"] => {
                let branches = self.branches(&repo)?;
                let page = Page::of(req, 20, branches.len());
                let items: Vec<Value> = page
                    .slice(&branches)
                    .iter()
                    .map(|(name, sha)| {
                        json!({
                            "name": name,
                            "merged": false,
                            "protected": false,
                            "default": name == DEFAULT_BRANCH,
                            "commit": {"id": sha, "short_id": sha.get(..8).unwrap_or(sha)},
                        })
                    })
                    .collect();
                Ok(page.gitlab_headers(Response::json(200, &Value::Array(items))))
            }
            _ => Ok(not_found("Resource")),
        }
    }

    /// Read-only smart HTTP through `git http-backend` (a CGI program).
    fn smart_http(&self, req: &Request, rest: &str) -> Result<Response> {
        let refuse = |why: &str| Response::new(403, "text/plain", format!("{why}\n"));
        let mut parts = rest.splitn(3, '/');
        let (Some(owner), Some(name_git), Some(tail)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(Response::not_found());
        };
        let repo = name_git
            .strip_suffix(".git")
            .and_then(|name| self.served_repo(owner, name));
        if repo.is_none() {
            return Ok(Response::not_found());
        }
        let service = req.query_param("service");
        match (req.method.as_str(), tail) {
            (_, "git-receive-pack") => Ok(refuse("pushing is not served here")),
            ("GET" | "HEAD", "info/refs") => match service.as_deref() {
                Some("git-upload-pack") => self.cgi(req, &format!("/{owner}/{name_git}/{tail}")),
                Some("git-receive-pack") => Ok(refuse("pushing is not served here")),
                _ => Ok(refuse("only the smart HTTP protocol is served here")),
            },
            ("POST", "git-upload-pack") => self.cgi(req, &format!("/{owner}/{name_git}/{tail}")),
            _ => Ok(Response::not_found()),
        }
    }

    fn cgi(&self, req: &Request, path_info: &str) -> Result<Response> {
        let mut cmd = self.git(None);
        let method = if req.method == "HEAD" {
            "GET"
        } else {
            &req.method
        };
        cmd.arg("http-backend")
            .env("GIT_PROJECT_ROOT", self.dir.join("repos"))
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GATEWAY_INTERFACE", "CGI/1.1")
            .env("SERVER_PROTOCOL", "HTTP/1.1")
            .env("REQUEST_METHOD", method)
            .env("PATH_INFO", path_info)
            .env(
                "QUERY_STRING",
                req.target.split_once('?').map(|(_, q)| q).unwrap_or(""),
            )
            .env("CONTENT_TYPE", req.header("content-type").unwrap_or(""))
            .env("CONTENT_LENGTH", req.body.len().to_string())
            .env("REMOTE_ADDR", "127.0.0.1");
        for (header, var) in [
            ("content-encoding", "HTTP_CONTENT_ENCODING"),
            ("git-protocol", "HTTP_GIT_PROTOCOL"),
        ] {
            if let Some(value) = req.header(header) {
                cmd.env(var, value);
            }
        }
        let out = run_cgi(cmd, &req.body)?;
        parse_cgi(&out)
    }
}

/// Runs a CGI program with `body` on its stdin; its whole stdout. Killed after [`CGI_TIMEOUT`].
fn run_cgi(mut cmd: Command, body: &[u8]) -> Result<Vec<u8>> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("start git http-backend")?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let body = body.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&body);
        }
    });
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(stdout) = stdout {
            let _ = stdout.take(MAX_CGI_OUTPUT).read_to_end(&mut out);
        }
        out
    });
    let errors = std::thread::spawn(move || {
        let mut err = Vec::new();
        if let Some(stderr) = stderr {
            let _ = stderr.take(64 * 1024).read_to_end(&mut err);
        }
        err
    });
    let deadline = Instant::now() + CGI_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("git http-backend took longer than {CGI_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = errors.join().unwrap_or_default();
    // A failing backend still writes its own error response (e.g. 400 for a bad request); only
    // an empty answer is ours to report.
    if out.is_empty() {
        bail!(
            "git http-backend ({status}): {}",
            String::from_utf8_lossy(&err).trim()
        );
    }
    Ok(out)
}

/// A CGI answer: header lines (`Status:` optional), an empty line, the body.
fn parse_cgi(out: &[u8]) -> Result<Response> {
    let crlf = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let lf = out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let (end, sep) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a
            .or(b)
            .context("CGI answer without the end of its headers")?,
    };
    let head = std::str::from_utf8(&out[..end]).context("CGI headers are not UTF-8")?;
    let mut response = Response {
        status: 200,
        headers: Vec::new(),
        body: out[end + sep..].to_vec(),
    };
    for line in head.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .with_context(|| format!("CGI header line {line:?}"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            response.status = value
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .filter(|s| (100..1000).contains(s))
                .with_context(|| format!("CGI status {value:?}"))?;
        } else {
            response
                .headers
                .push((name.trim().to_string(), value.to_string()));
        }
    }
    Ok(response)
}

/// Runs `cmd`, feeding `input` to its stdin; its stdout, or an error with its stderr.
fn run(mut cmd: Command, input: Option<&[u8]>) -> Result<String> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let what = format!(
        "git {}",
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut child = cmd.spawn().with_context(|| format!("start {what}"))?;
    let out = std::thread::scope(|scope| {
        if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
            scope.spawn(move || {
                let _ = stdin.write_all(input);
            });
        }
        child.wait_with_output()
    })
    .with_context(|| format!("run {what}"))?;
    ensure!(
        out.status.success(),
        "{what:?}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8(out.stdout).with_context(|| format!("{what}: output is not UTF-8"))
}

/// `OWNER/REPO`: each part of ASCII letters, digits, `-`, `_` and `.`, starting with neither `.`
/// nor `-` (safe in paths and URLs as is); the repository not ending in `.git`.
fn split_repo(repo: &str) -> Result<(&str, &str)> {
    let valid = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && !s.starts_with(['.', '-'])
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    match repo.split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) && !name.ends_with(".git") => {
            Ok((owner, name))
        }
        _ => {
            bail!("invalid repository {repo:?}: want OWNER/REPO of letters, digits, '-', '_', '.'")
        }
    }
}

/// A relative `/`-separated path without empty, `.`, `..` or `.git` components.
fn check_path(path: &str) -> Result<()> {
    let valid = !path.is_empty()
        && path.len() <= 4096
        && !path.contains('\0')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.eq_ignore_ascii_case(".git"));
    ensure!(valid, "invalid file path {path:?}");
    Ok(())
}

fn check_text(what: &str, text: &str) -> Result<()> {
    ensure!(
        text.len() <= MAX_TEXT,
        "{what} longer than {MAX_TEXT} bytes"
    );
    Ok(())
}

/// `have` followed by the labels of `add` it lacks, in order; labels must not be empty.
fn dedup_labels(have: &[String], add: &[String]) -> Result<Vec<String>> {
    let mut labels = have.to_vec();
    for label in add {
        ensure!(!label.is_empty(), "empty label");
        check_text("label", label)?;
        if !labels.contains(label) {
            labels.push(label.clone());
        }
    }
    ensure!(labels.len() <= MAX_LABELS, "more than {MAX_LABELS} labels");
    Ok(labels)
}

/// GitLab's `labels` filter: every listed label must be on the merge request; `None` means no
/// labels at all and `Any` at least one. Labels containing a comma cannot be asked for, as on
/// GitLab.
fn gitlab_labels_match(filter: &str, labels: &[String]) -> bool {
    let wanted: Vec<&str> = filter
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match wanted.as_slice() {
        [one] if one.eq_ignore_ascii_case("none") => labels.is_empty(),
        [one] if one.eq_ignore_ascii_case("any") => !labels.is_empty(),
        _ => wanted.iter().all(|w| labels.iter().any(|l| l == w)),
    }
}

fn github_pull(base: &str, p: &PullRequest) -> Value {
    let (owner, _) = p.repo.split_once('/').unwrap_or_default();
    let open = p.state == PullState::Open;
    json!({
        "url": format!("{base}/api/v3/repos/{}/pulls/{}", p.repo, p.number),
        "id": stable_id(&format!("{}#{}", p.repo, p.number)),
        "number": p.number,
        "state": if open { "open" } else { "closed" },
        "locked": false,
        "title": p.title,
        "user": {"login": p.author, "id": stable_id(&p.author), "type": "User"},
        "body": null,
        "labels": p.labels.iter().map(|l| json!({"name": l, "default": false})).collect::<Vec<_>>(),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "closed_at": if open { Value::Null } else { json!(p.updated_at) },
        "merged_at": null,
        "draft": false,
        "head": {"label": format!("{owner}:{}", p.branch), "ref": p.branch, "sha": p.sha},
        "base": {"label": format!("{owner}:{DEFAULT_BRANCH}"), "ref": DEFAULT_BRANCH},
        "html_url": format!("{base}/{}/pull/{}", p.repo, p.number),
    })
}

fn gitlab_merge_request(base: &str, project_id: u64, p: &PullRequest) -> Value {
    let open = p.state == PullState::Open;
    json!({
        "id": stable_id(&format!("{}!{}", p.repo, p.number)),
        "iid": p.number,
        "project_id": project_id,
        "source_project_id": project_id,
        "target_project_id": project_id,
        "title": p.title,
        "description": "",
        "state": if open { "opened" } else { "closed" },
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "closed_at": if open { Value::Null } else { json!(p.updated_at) },
        "merged_at": null,
        "target_branch": DEFAULT_BRANCH,
        "source_branch": p.branch,
        "author": {"id": stable_id(&p.author), "username": p.author, "name": p.author, "state": "active"},
        "labels": p.labels,
        "draft": false,
        "work_in_progress": false,
        "sha": p.sha,
        "web_url": format!("{base}/{}/-/merge_requests/{}", p.repo, p.number),
    })
}

/// A page of a list, from the `page` and `per_page` parameters (both APIs number pages from 1
/// and cap `per_page` at 100; a page past the end is empty).
struct Page {
    page: usize,
    per_page: usize,
    total: usize,
}

impl Page {
    fn of(req: &Request, default_per_page: usize, total: usize) -> Page {
        let number = |name: &str| {
            req.query_param(name)
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n > 0)
        };
        Page {
            page: number("page").unwrap_or(1),
            per_page: number("per_page")
                .unwrap_or(default_per_page)
                .min(MAX_PER_PAGE),
            total,
        }
    }

    fn last(&self) -> usize {
        self.total.div_ceil(self.per_page).max(1)
    }

    fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let start = (self.page - 1)
            .saturating_mul(self.per_page)
            .min(items.len());
        let end = start.saturating_add(self.per_page).min(items.len());
        &items[start..end]
    }

    /// GitHub's `Link` header (`next`, `last`, `first`, `prev` as they apply); `url` ends in `?`
    /// or `&`.
    fn github_link(&self, url: &str) -> Option<String> {
        let at = |page: usize, rel: &str| {
            format!(
                "<{url}per_page={}&page={page}>; rel=\"{rel}\"",
                self.per_page
            )
        };
        let last = self.last();
        let mut links = Vec::new();
        if self.page < last {
            links.push(at(self.page + 1, "next"));
            links.push(at(last, "last"));
        }
        if self.page > 1 {
            links.push(at(1, "first"));
            links.push(at((self.page - 1).min(last), "prev"));
        }
        (!links.is_empty()).then(|| links.join(", "))
    }

    /// GitLab's offset pagination headers; `X-Next-Page` and `X-Prev-Page` empty when there is
    /// none, as GitLab sends them.
    fn gitlab_headers(&self, response: Response) -> Response {
        let last = self.last();
        let next = if self.page < last {
            (self.page + 1).to_string()
        } else {
            String::new()
        };
        let prev = if self.page > 1 {
            (self.page - 1).min(last).to_string()
        } else {
            String::new()
        };
        response
            .with_header("X-Page", &self.page.to_string())
            .with_header("X-Per-Page", &self.per_page.to_string())
            .with_header("X-Total", &self.total.to_string())
            .with_header("X-Total-Pages", &last.to_string())
            .with_header("X-Next-Page", &next)
            .with_header("X-Prev-Page", &prev)
    }
}

fn with_link(response: Response, link: Option<String>) -> Response {
    match link {
        Some(link) => response.with_header("Link", &link),
        None => response,
    }
}

/// A made-up numeric id, the same for the same name (FNV-1a), below 2^31 so that any client's
/// integer type holds it.
fn stable_id(name: &str) -> u64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash % 0x7fff_ffff + 1
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Usage of `testkit githost`; every command takes the state directory `--dir`.
pub const CLI_USAGE: &str = "usage: testkit githost serve --dir D [--port P]
  | testkit githost init --dir D --repo OWNER/REPO [--from DIR] [--file PATH=TEXT]...
  | testkit githost commit --dir D --repo R --branch B [--from DIR] [--file PATH=TEXT]... [--message M] [--replace]
  | testkit githost open --dir D --repo R --branch B --title T [--author A] [--label L]... [--number N]
  | testkit githost push --dir D --repo R --number N [--from DIR] [--file PATH=TEXT]... [--message M]
  | testkit githost label|unlabel --dir D --repo R --number N --label L [--label L]...
  | testkit githost close|reopen --dir D --repo R --number N
  | testkit githost retitle --dir D --repo R --number N --title T
  | testkit githost list --dir D --repo R
serve prints its base URL (one line) once listening and serves until killed; init, commit and push
print the new sha, open the new number, the others the pull request(s) as JSON.";

/// `testkit githost ARGS…` (the arguments after `githost`).
pub fn cli(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        bail!("{CLI_USAGE}");
    };
    let (valued, switches): (&[&str], &[&str]) = match command.as_str() {
        "serve" => (&["port"], &[]),
        "init" => (&["repo", "from", "file"], &[]),
        "commit" => (&["repo", "branch", "from", "file", "message"], &["replace"]),
        "open" => (
            &["repo", "branch", "title", "author", "label", "number"],
            &[],
        ),
        "push" => (&["repo", "number", "from", "file", "message"], &[]),
        "label" | "unlabel" => (&["repo", "number", "label"], &[]),
        "close" | "reopen" => (&["repo", "number"], &[]),
        "retitle" => (&["repo", "number", "title"], &[]),
        "list" => (&["repo"], &[]),
        _ => bail!("unknown command {command:?}\n{CLI_USAGE}"),
    };
    let f = CliFlags::parse(rest, valued, switches)?;
    let host = GitHost::open(f.one("dir")?)?;
    let repo = || f.one("repo");
    let number = || -> Result<u64> {
        let n = f.one("number")?;
        n.parse()
            .with_context(|| format!("--number: not a number: {n:?}"))
    };
    let read_files = || -> Result<Files> {
        let mut out = Files::new();
        if let Some(dir) = f.opt("from")? {
            out = files_from_dir(Path::new(dir))?;
        }
        for spec in f.all("file") {
            let (path, text) = spec
                .split_once('=')
                .with_context(|| format!("--file wants PATH=TEXT, not {spec:?}"))?;
            out.insert(path.to_string(), text.as_bytes().to_vec());
        }
        Ok(out)
    };
    let message =
        || Ok::<_, anyhow::Error>(f.opt("message")?.unwrap_or("Update files").to_string());
    let show = |pr: &PullRequest| println!("{}", serde_json::to_string(pr).unwrap_or_default());
    match command.as_str() {
        "serve" => {
            let port = match f.opt("port")? {
                Some(p) => p.parse().with_context(|| format!("--port: {p:?}"))?,
                None => 0,
            };
            let server = host.serve_on(port)?;
            println!("{}", server.url());
            std::io::stdout().flush()?;
            eprintln!(
                "githost: serving {} at {} (clone {}, provider spec.url {})",
                host.dir().display(),
                server.url(),
                clone_url(server.url(), "OWNER/REPO"),
                provider_url(server.url(), "OWNER/REPO"),
            );
            loop {
                std::thread::park();
            }
        }
        "init" => println!("{}", host.init(repo()?, &read_files()?)?),
        "commit" => {
            let (repo, branch, files) = (repo()?, f.one("branch")?, read_files()?);
            let sha = if f.has("replace") {
                host.replace_tree(repo, branch, &files, &message()?)?
            } else {
                host.commit(repo, branch, &files, &message()?)?
            };
            println!("{sha}");
        }
        "open" => {
            let new = NewPull {
                number: f.opt("number")?.map(|_| number()).transpose()?,
                title: f.one("title")?.to_string(),
                author: f.opt("author")?.unwrap_or("dev").to_string(),
                branch: f.one("branch")?.to_string(),
                labels: f.all("label").into_iter().map(str::to_string).collect(),
            };
            println!("{}", host.open_pull(repo()?, new)?.number);
        }
        "push" => println!(
            "{}",
            host.push(repo()?, number()?, &read_files()?, &message()?)?
        ),
        "label" | "unlabel" => {
            let labels: Vec<String> = f.all("label").into_iter().map(str::to_string).collect();
            ensure!(!labels.is_empty(), "--label is required\n{CLI_USAGE}");
            let pr = if command == "label" {
                host.label(repo()?, number()?, &labels)?
            } else {
                host.unlabel(repo()?, number()?, &labels)?
            };
            show(&pr);
        }
        "close" => show(&host.close(repo()?, number()?)?),
        "reopen" => show(&host.reopen(repo()?, number()?)?),
        "retitle" => show(&host.retitle(repo()?, number()?, f.one("title")?)?),
        "list" => println!("{}", serde_json::to_string_pretty(&host.pulls(repo()?)?)?),
        _ => bail!("{CLI_USAGE}"),
    }
    Ok(())
}

/// `--name value` flags (some repeatable) and `--name` switches; `--dir` is always accepted.
struct CliFlags {
    values: BTreeMap<String, Vec<String>>,
    switches: Vec<String>,
}

impl CliFlags {
    fn parse(args: &[String], valued: &[&str], switches: &[&str]) -> Result<CliFlags> {
        let mut flags = CliFlags {
            values: BTreeMap::new(),
            switches: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let name = arg.strip_prefix("--").unwrap_or_default();
            if switches.contains(&name) {
                flags.switches.push(name.to_string());
            } else if name == "dir" || valued.contains(&name) {
                // The value is taken as is, even when it looks like a flag (a hostile title may).
                let value = it.next().with_context(|| format!("{arg} needs a value"))?;
                flags
                    .values
                    .entry(name.to_string())
                    .or_default()
                    .push(value.clone());
            } else {
                bail!("unknown flag {arg:?}\n{CLI_USAGE}");
            }
        }
        Ok(flags)
    }

    /// A flag given at most once.
    fn opt(&self, name: &str) -> Result<Option<&str>> {
        match self.values.get(name).map(Vec::as_slice) {
            None | Some([]) => Ok(None),
            Some([one]) => Ok(Some(one.as_str())),
            Some(_) => bail!("--{name} given more than once"),
        }
    }

    /// A flag given exactly once.
    fn one(&self, name: &str) -> Result<&str> {
        self.opt(name)?
            .with_context(|| format!("--{name} is required\n{CLI_USAGE}"))
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .get(name)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn has(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        assert!(split_repo("acme/app").is_ok());
        assert!(split_repo("acme/app.v2").is_ok());
        for bad in [
            "acme",
            "acme/",
            "/app",
            "acme/app/x",
            "../app",
            "acme/..",
            "-x/app",
            "acme/app.git",
            "acme/a%2Fb",
            "acme/a b",
            "acme/ä",
        ] {
            assert!(split_repo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_paths() {
        for good in ["a", "a/b.txt", "deploy/kustomization.yaml", "ü/ñ"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a//b",
            "./a",
            "a/../b",
            ".git/config",
            "x/.GIT/y",
            "a\0b",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn gitlab_label_filter() {
        let labels = vec!["preview".to_string(), "team a".to_string()];
        assert!(gitlab_labels_match("preview", &labels));
        assert!(gitlab_labels_match("preview,team a", &labels));
        assert!(!gitlab_labels_match("preview,other", &labels));
        assert!(gitlab_labels_match("Any", &labels));
        assert!(!gitlab_labels_match("None", &labels));
        assert!(gitlab_labels_match("None", &[]));
        assert!(gitlab_labels_match("", &[]));
    }

    #[test]
    fn pages() {
        let page = |page, per_page, total| Page {
            page,
            per_page,
            total,
        };
        let items: Vec<u32> = (0..5).collect();
        assert_eq!(page(1, 2, 5).slice(&items), &[0, 1]);
        assert_eq!(page(3, 2, 5).slice(&items), &[4]);
        assert!(page(4, 2, 5).slice(&items).is_empty());
        assert!(page(usize::MAX, 100, 5).slice(&items).is_empty());
        assert_eq!(page(1, 2, 0).last(), 1);
        assert_eq!(
            page(2, 2, 5).github_link("u?").unwrap(),
            "<u?per_page=2&page=3>; rel=\"next\", <u?per_page=2&page=3>; rel=\"last\", \
             <u?per_page=2&page=1>; rel=\"first\", <u?per_page=2&page=1>; rel=\"prev\""
        );
        assert_eq!(page(1, 100, 5).github_link("u?"), None);
    }

    #[test]
    fn cgi_answers() {
        let r = parse_cgi(b"Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nno").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (403, b"no".as_slice()));
        let r = parse_cgi(b"Content-Type: a/b\n\nbody\r\n\r\nmore").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"body\r\n\r\nmore");
        assert_eq!(r.headers, vec![("Content-Type".into(), "a/b".into())]);
        assert!(parse_cgi(b"no end").is_err());
        assert!(parse_cgi(b"Status: x\r\n\r\n").is_err());
        assert!(parse_cgi(b"garbage\r\n\r\n").is_err());
    }
}
