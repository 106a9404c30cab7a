//! The fake Git host of the test world (`testkit::githost`) on its own, with the system `git` as
//! the Git client: no cluster is needed, so these are plain tests. What the Flux Operator's
//! providers and source-controller's go-git read from it is checked here through the same JSON
//! fields, query parameters and pagination headers their clients use.
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use testkit::githost::{self, Files, GitHost, GitHostServer, NewPull, PullState};
use testkit::http::{self, Reply};

fn files(list: &[(&str, &str)]) -> Files {
    list.iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The system git with no configuration but the command line's.
fn git(home: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("git");
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn git_ok(home: &Path, args: &[&str]) -> String {
    let out = git(home, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `git ls-remote URL`: sha by ref.
fn ls_remote(home: &Path, url: &str, extra: &[&str]) -> BTreeMap<String, String> {
    let mut args = extra.to_vec();
    args.extend(["ls-remote", url]);
    git_ok(home, &args)
        .lines()
        .map(|l| {
            let (sha, name) = l.split_once('\t').unwrap();
            (name.to_string(), sha.to_string())
        })
        .collect()
}

fn get(url: &str) -> Reply {
    http::request("GET", url, &[], b"").unwrap()
}

fn json(reply: &Reply) -> Value {
    assert!(
        reply
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json"),
        "{reply:?}"
    );
    serde_json::from_slice(&reply.body).unwrap()
}

fn numbers(list: &Value, key: &str) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p[key].as_u64().unwrap())
        .collect()
}

struct World {
    tmp: tempfile::TempDir,
    /// HOME for the git client: empty, so no configuration.
    home: std::path::PathBuf,
    host: GitHost,
    server: GitHostServer,
    main: String,
}

impl World {
    /// `acme/app` with a README and a Kustomization on main, served.
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir(&home).unwrap();
        let host = GitHost::open(tmp.path().join("state")).unwrap();
        let main = host
            .init(
                "acme/app",
                &files(&[
                    ("README.md", "app\n"),
                    ("deploy/kustomization.yaml", "kind: Kustomization\n"),
                ]),
            )
            .unwrap();
        let server = host.serve().unwrap();
        World {
            tmp,
            home,
            host,
            server,
            main,
        }
    }

    fn home(&self) -> &Path {
        &self.home
    }

    fn path(&self, name: &str) -> String {
        self.tmp.path().join(name).to_str().unwrap().to_string()
    }

    fn api(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    fn open(&self, branch: &str, title: &str, labels: &[&str]) -> u64 {
        self.host
            .open_pull(
                "acme/app",
                NewPull {
                    title: title.into(),
                    author: "dev".into(),
                    branch: branch.into(),
                    labels: strings(labels),
                    ..NewPull::default()
                },
            )
            .unwrap()
            .number
    }
}

#[test]
fn clone_and_ls_remote_over_http() {
    let w = World::new();
    let home = w.home();
    let url = w.server.clone_url("acme/app");
    assert_eq!(url, format!("{}/git/acme/app.git", w.server.url()));
    let feat = w
        .host
        .commit(
            "acme/app",
            "feat/a",
            &files(&[("app.yaml", "v1\n")]),
            "add app",
        )
        .unwrap();
    assert_eq!(
        w.host.branch_sha("acme/app", "feat/a").unwrap().as_deref(),
        Some(feat.as_str())
    );
    assert_eq!(w.host.branch_sha("acme/app", "nope").unwrap(), None);

    // Both wire protocols.
    for version in ["0", "2"] {
        let refs = ls_remote(home, &url, &["-c", &format!("protocol.version={version}")]);
        let want: BTreeMap<String, String> = [
            ("HEAD", &w.main),
            ("refs/heads/main", &w.main),
            ("refs/heads/feat/a", &feat),
        ]
        .into_iter()
        .map(|(r, s)| (r.to_string(), s.clone()))
        .collect();
        assert_eq!(refs, want, "protocol {version}");
    }

    let clone = w.path("clone");
    git_ok(home, &["clone", "-q", "--", &url, &clone]);
    let read = |dir: &str, file: &str| std::fs::read_to_string(Path::new(dir).join(file)).ok();
    assert_eq!(read(&clone, "README.md").as_deref(), Some("app\n"));
    assert_eq!(
        read(&clone, "deploy/kustomization.yaml").as_deref(),
        Some("kind: Kustomization\n")
    );
    assert_eq!(read(&clone, "app.yaml"), None);
    assert_eq!(
        git_ok(home, &["-C", &clone, "rev-parse", "HEAD"]).trim(),
        w.main
    );
    assert_eq!(
        git_ok(
            home,
            &["-C", &clone, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s"]
        )
        .trim(),
        "testkit githost <githost@testkit.invalid>|testkit githost <githost@testkit.invalid>|Initial commit"
    );

    // A branch made from main: main's files and its own.
    let branch = w.path("branch");
    git_ok(home, &["clone", "-q", "-b", "feat/a", "--", &url, &branch]);
    assert_eq!(read(&branch, "app.yaml").as_deref(), Some("v1\n"));
    assert_eq!(read(&branch, "README.md").as_deref(), Some("app\n"));
    assert_eq!(
        git_ok(home, &["-C", &branch, "rev-parse", "HEAD^"]).trim(),
        w.main
    );

    // A later commit is fetched; a replaced tree holds only its files.
    let next = w
        .host
        .commit(
            "acme/app",
            "feat/a",
            &files(&[("app.yaml", "v2\n"), ("deploy/extra.yaml", "x\n")]),
            "v2",
        )
        .unwrap();
    git_ok(home, &["-C", &branch, "pull", "-q", "--ff-only"]);
    assert_eq!(
        git_ok(home, &["-C", &branch, "rev-parse", "HEAD"]).trim(),
        next
    );
    assert_eq!(read(&branch, "app.yaml").as_deref(), Some("v2\n"));
    assert_eq!(read(&branch, "deploy/extra.yaml").as_deref(), Some("x\n"));
    let only = w
        .host
        .replace_tree("acme/app", "feat/b", &files(&[("only.txt", "1\n")]), "only")
        .unwrap();
    let replaced = w.path("replaced");
    git_ok(
        home,
        &["clone", "-q", "-b", "feat/b", "--", &url, &replaced],
    );
    assert_eq!(
        git_ok(home, &["-C", &replaced, "ls-files"]).trim(),
        "only.txt"
    );
    assert_eq!(
        git_ok(home, &["-C", &replaced, "rev-parse", "HEAD"]).trim(),
        only
    );

    // The branches the API lists are the ones git sees.
    let branches = w.host.branches("acme/app").unwrap();
    let names: Vec<&str> = branches.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["feat/a", "feat/b", "main"]);
    let gh = json(&get(&w.api("/api/v3/repos/acme/app/branches")));
    assert_eq!(gh[0]["name"], "feat/a");
    assert_eq!(gh[0]["commit"]["sha"], next.as_str());
    let gl = json(&get(
        &w.api("/api/v4/projects/acme%2Fapp/repository/branches")
    ));
    assert_eq!(gl[2]["name"], "main");
    assert_eq!(gl[2]["commit"]["id"], w.main.as_str());
    assert_eq!(gl[2]["default"], true);
}

/// git sends an upload-pack request larger than its `http.postBuffer` chunked; the server decodes
/// it for `git http-backend`.
#[test]
fn chunked_upload_pack_requests() {
    let w = World::new();
    let home = w.home();
    let repo = w.host.repo_dir("acme/app").unwrap();
    let mut script = String::new();
    for i in 0..1500 {
        let (msg, body) = (format!("c{i}\n"), format!("{i}\n"));
        script.push_str(&format!(
            "commit refs/heads/b{i}\ncommitter x <x@example.invalid> 0 +0000\ndata {}\n{msg}\
             from refs/heads/main^0\nM 644 inline f\ndata {}\n{body}\n",
            msg.len(),
            body.len()
        ));
    }
    let mut import = Command::new("git")
        .env("GIT_DIR", &repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    import
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(import.wait().unwrap().success());

    let mirror = w.path("mirror");
    let url = w.server.clone_url("acme/app");
    let out = Command::new("git")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TRACE_CURL", "1")
        .env("GIT_TRACE_CURL_NO_DATA", "1")
        .args([
            "-c",
            "http.postBuffer=66000",
            "clone",
            "-q",
            "--mirror",
            "--",
            &url,
            &mirror,
        ])
        .output()
        .unwrap();
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{trace}");
    assert!(
        trace.contains("Send header: Transfer-Encoding: chunked"),
        "git did not send a chunked body; the test proves nothing"
    );
    let refs = git_ok(
        home,
        &["-C", &mirror, "for-each-ref", "--format=%(refname)"],
    );
    assert_eq!(refs.lines().count(), 1501);
}

#[test]
fn github_pulls_follow_the_state() {
    let w = World::new();
    let repo = "acme/app";
    w.host
        .commit(repo, "feat/a", &files(&[("a", "1")]), "a")
        .unwrap();
    let b_tip = w
        .host
        .commit(repo, "feat/b", &files(&[("b", "1")]), "b")
        .unwrap();
    for n in 1..=5 {
        let branch = if n == 2 { "feat/b" } else { "feat/a" };
        assert_eq!(w.open(branch, &format!("PR {n}"), &["preview"]), n);
    }
    assert_eq!(w.host.pull(repo, 2).unwrap().sha, b_tip);
    let pushed = w.host.push(repo, 2, &files(&[("b", "2")]), "push").unwrap();
    assert_ne!(pushed, b_tip);
    w.host
        .label(repo, 2, &strings(&["team a", "preview"]))
        .unwrap();
    w.host
        .unlabel(repo, 2, &strings(&["preview", "absent"]))
        .unwrap();
    let closed = w.host.close(repo, 3).unwrap();
    assert_eq!(closed.state, PullState::Closed);
    w.host.retitle(repo, 4, "PR four").unwrap();

    // Newest first, two per page: the Link header leads to the second page, and no further.
    let first = get(&w.api("/api/v3/repos/acme/app/pulls?state=open&per_page=2"));
    assert_eq!(first.status, 200);
    assert_eq!(numbers(&json(&first), "number"), [5, 4]);
    let link = first.header("link").unwrap();
    let api = w.api("/api/v3/repos/acme/app/pulls");
    assert_eq!(
        link,
        format!(
            "<{api}?state=open&per_page=2&page=2>; rel=\"next\", \
             <{api}?state=open&per_page=2&page=2>; rel=\"last\""
        )
    );
    let next = link
        .split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .and_then(|l| l.strip_prefix('<'))
        .and_then(|l| l.split_once('>'))
        .unwrap()
        .0;
    let second = get(next);
    assert_eq!(numbers(&json(&second), "number"), [2, 1]);
    let link = second.header("link").unwrap();
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert!(link.contains("page=1>; rel=\"prev\""), "{link}");
    let past = get(&w.api("/api/v3/repos/acme/app/pulls?per_page=2&page=9"));
    assert_eq!(json(&past), Value::Array(vec![]));

    // What the operator's GitHub provider reads.
    let all = json(&get(
        &w.api("/api/v3/repos/acme/app/pulls?state=open&per_page=100")
    ));
    assert!(
        get(&w.api("/api/v3/repos/acme/app/pulls?state=open&per_page=100"))
            .header("link")
            .is_none()
    );
    let two = &all[2];
    assert_eq!(two["number"], 2);
    assert_eq!(two["title"], "PR 2");
    assert_eq!(two["state"], "open");
    assert_eq!(two["user"]["login"], "dev");
    assert_eq!(two["head"]["ref"], "feat/b");
    assert_eq!(two["head"]["sha"], pushed.as_str());
    assert_eq!(two["base"]["ref"], "main");
    assert_eq!(
        two["labels"],
        serde_json::json!([{"name": "team a", "default": false}])
    );
    assert_eq!(
        two["html_url"],
        format!("{}/acme/app/pull/2", w.server.url())
    );
    for key in ["created_at", "updated_at"] {
        let at = two[key].as_str().unwrap();
        assert!(
            at.parse::<jiff::Timestamp>().is_ok() && at.ends_with('Z'),
            "{at}"
        );
    }
    assert_eq!(all[1]["title"], "PR four");

    // The state parameter, one pull request, errors.
    let closed = json(&get(&w.api("/api/v3/repos/acme/app/pulls?state=closed")));
    assert_eq!(numbers(&closed, "number"), [3]);
    assert_eq!(closed[0]["state"], "closed");
    assert!(closed[0]["closed_at"].is_string());
    let every = json(&get(&w.api("/api/v3/repos/acme/app/pulls?state=all")));
    assert_eq!(numbers(&every, "number"), [5, 4, 3, 2, 1]);
    let default = get(&w.api("/api/v3/repos/acme/app/pulls"));
    assert_eq!(numbers(&json(&default), "number"), [5, 4, 2, 1]);
    assert_eq!(
        get(&w.api("/api/v3/repos/acme/app/pulls?state=bogus")).status,
        422
    );
    assert_eq!(
        json(&get(&w.api("/api/v3/repos/acme/app/pulls/3")))["state"],
        "closed"
    );
    assert_eq!(get(&w.api("/api/v3/repos/acme/app/pulls/99")).status, 404);
    assert_eq!(get(&w.api("/api/v3/repos/acme/app/pulls/x")).status, 404);
    assert_eq!(get(&w.api("/api/v3/repos/acme/nope/pulls")).status, 404);
    assert_eq!(get(&w.api("/api/v3/repos/acme/.git/pulls")).status, 404);
    assert_eq!(get(&w.api("/api/v3/repos/acme/app/issues")).status, 404);
    let post = http::request("POST", &w.api("/api/v3/repos/acme/app/pulls"), &[], b"{}").unwrap();
    assert_eq!(post.status, 405);
    let repo_json = json(&get(&w.api("/api/v3/repos/acme/app")));
    assert_eq!(repo_json["full_name"], "acme/app");
    assert_eq!(repo_json["default_branch"], "main");
    assert_eq!(w.server.provider_url("acme/app"), w.api("/acme/app"));

    // Reopened, it points at the branch's tip again.
    w.host
        .commit(repo, "feat/a", &files(&[("a", "2")]), "a2")
        .unwrap();
    let reopened = w.host.reopen(repo, 3).unwrap();
    assert_eq!(reopened.state, PullState::Open);
    assert_eq!(
        Some(reopened.sha),
        w.host.branch_sha(repo, "feat/a").unwrap()
    );
}

#[test]
fn gitlab_merge_requests_follow_the_state() {
    let w = World::new();
    let repo = "acme/app";
    let tip = w
        .host
        .commit(repo, "feat/a", &files(&[("a", "1")]), "a")
        .unwrap();
    w.open("feat/a", "one", &["preview"]);
    w.open("feat/a", "two", &["preview", "team a"]);
    w.open("feat/a", "three", &[]);
    w.open("feat/a", "four", &["team a"]);
    w.open("feat/a", "five", &["preview", "team a"]);
    w.host.close(repo, 5).unwrap();

    // client-go escapes the project path into one segment.
    let mrs = |query: &str| {
        get(&w.api(&format!(
            "/api/v4/projects/acme%2Fapp/merge_requests{query}"
        )))
    };
    let opened = json(&mrs("?state=opened&per_page=100"));
    assert_eq!(numbers(&opened, "iid"), [4, 3, 2, 1]);
    let two = &opened[2];
    assert_eq!(two["iid"], 2);
    assert_eq!(two["title"], "two");
    assert_eq!(two["state"], "opened");
    assert_eq!(two["source_branch"], "feat/a");
    assert_eq!(two["target_branch"], "main");
    assert_eq!(two["sha"], tip.as_str());
    assert_eq!(two["author"]["username"], "dev");
    assert_eq!(two["labels"], serde_json::json!(["preview", "team a"]));
    assert_eq!(
        two["web_url"],
        format!("{}/acme/app/-/merge_requests/2", w.server.url())
    );

    // Labels are filtered by the server: every label asked for must be there.
    let labelled = |labels: &str| {
        numbers(
            &json(&mrs(&format!("?state=opened&labels={labels}"))),
            "iid",
        )
    };
    assert_eq!(labelled("preview"), [2, 1]);
    assert_eq!(labelled("preview%2Cteam+a"), [2]);
    assert_eq!(labelled("preview,team%20a"), [2]);
    assert_eq!(labelled("team+a"), [4, 2]);
    assert_eq!(labelled("absent"), Vec::<u64>::new());
    assert_eq!(labelled("None"), [3]);
    assert_eq!(labelled("Any"), [4, 2, 1]);
    assert_eq!(labelled(""), [4, 3, 2, 1]);

    // State: all by default, as on GitLab.
    assert_eq!(numbers(&json(&mrs("")), "iid"), [5, 4, 3, 2, 1]);
    let closed = json(&mrs("?state=closed"));
    assert_eq!(numbers(&closed, "iid"), [5]);
    assert_eq!(closed[0]["state"], "closed");
    assert_eq!(json(&mrs("?state=merged")), Value::Array(vec![]));
    assert_eq!(mrs("?state=open").status, 400);

    // Offset pagination headers.
    let page = mrs("?state=opened&per_page=3");
    assert_eq!(numbers(&json(&page), "iid"), [4, 3, 2]);
    let header = |r: &Reply, n: &str| r.header(n).map(str::to_string);
    assert_eq!(header(&page, "x-page").as_deref(), Some("1"));
    assert_eq!(header(&page, "x-per-page").as_deref(), Some("3"));
    assert_eq!(header(&page, "x-total").as_deref(), Some("4"));
    assert_eq!(header(&page, "x-total-pages").as_deref(), Some("2"));
    assert_eq!(header(&page, "x-next-page").as_deref(), Some("2"));
    assert_eq!(header(&page, "x-prev-page").as_deref(), Some(""));
    let last = mrs("?state=opened&per_page=3&page=2");
    assert_eq!(numbers(&json(&last), "iid"), [1]);
    assert_eq!(header(&last, "x-next-page").as_deref(), Some(""));
    assert_eq!(header(&last, "x-prev-page").as_deref(), Some("1"));
    let default = mrs("?state=opened");
    assert_eq!(header(&default, "x-per-page").as_deref(), Some("20"));
    let capped = mrs("?state=opened&per_page=1000");
    assert_eq!(header(&capped, "x-per-page").as_deref(), Some("100"));

    // One merge request, the project, errors.
    let one = json(&get(&w.api("/api/v4/projects/acme%2Fapp/merge_requests/5")));
    assert_eq!(one["state"], "closed");
    assert_eq!(
        get(&w.api("/api/v4/projects/acme%2Fapp/merge_requests/9")).status,
        404
    );
    let project = json(&get(&w.api("/api/v4/projects/acme%2Fapp")));
    assert_eq!(project["path_with_namespace"], "acme/app");
    assert_eq!(project["id"], one["project_id"]);
    assert_eq!(
        get(&w.api("/api/v4/projects/acme%2Fnope/merge_requests")).status,
        404
    );
    assert_eq!(
        get(&w.api("/api/v4/projects/acme%zz/merge_requests")).status,
        404
    );
    assert_eq!(
        get(&w.api("/api/v4/projects/acme/app/merge_requests")).status,
        404
    );
    assert_eq!(
        get(&w.api("/api/v4/projects/%2E%2E%2Facme/merge_requests")).status,
        404
    );

    // client-go escapes dots too.
    w.host.init("acme/app.v2", &files(&[("x", "y")])).unwrap();
    let dotted = get(&w.api("/api/v4/projects/acme%2Fapp%2Ev2/merge_requests?state=opened"));
    assert_eq!(dotted.status, 200);
    assert_eq!(json(&dotted), Value::Array(vec![]));
}

#[test]
fn hostile_text_round_trips_and_bad_names_are_refused() {
    let w = World::new();
    let home = w.home();
    let repo = "acme/app";
    let title = "\u{0}\u{1b}[31mred\u{1b}[0m \"quoted\" 'single' \\back\r\nline\u{2028}sep\u{7f} ünï 🚀 </script><b>";
    let author = "ev\"il\u{1b}]0;owned\u{7}\n";
    let labels = strings(&["a,b", "\u{202e}rtl", "ラベル", "  spaced  ", "\"q\""]);
    // Quotes, dollars, parentheses and non-ASCII are all valid in a branch name.
    let branch = "feat/ü\"x'y$(z)";
    let sha = w
        .host
        .commit(repo, branch, &files(&[("f", "1")]), "hostile branch")
        .unwrap();
    let pr = w
        .host
        .open_pull(
            repo,
            NewPull {
                number: Some(42),
                title: title.into(),
                author: author.into(),
                branch: branch.into(),
                labels: labels.clone(),
            },
        )
        .unwrap();
    assert_eq!((pr.number, pr.sha.as_str()), (42, sha.as_str()));

    // Stored as JSON, read back the same.
    let stored: Value =
        serde_json::from_slice(&std::fs::read(w.host.dir().join("pulls.json")).unwrap()).unwrap();
    assert_eq!(stored["pulls"][0]["title"], title);
    assert_eq!(w.host.pull(repo, 42).unwrap(), pr);

    let gh = json(&get(&w.api("/api/v3/repos/acme/app/pulls")));
    assert_eq!(gh[0]["title"], title);
    assert_eq!(gh[0]["user"]["login"], author);
    assert_eq!(gh[0]["head"]["ref"], branch);
    let gh_labels: Vec<&str> = gh[0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(gh_labels, labels);
    let gl = json(&get(&w.api("/api/v4/projects/acme%2Fapp/merge_requests")));
    assert_eq!(gl[0]["title"], title);
    assert_eq!(gl[0]["author"]["username"], author);
    assert_eq!(gl[0]["source_branch"], branch);
    assert_eq!(gl[0]["labels"], serde_json::json!(labels));
    // A label with a comma cannot be asked for (GitLab splits the list), the others can.
    let asked = get(
        &w.api("/api/v4/projects/acme%2Fapp/merge_requests?labels=%E3%83%A9%E3%83%99%E3%83%AB")
    );
    assert_eq!(numbers(&json(&asked), "iid"), [42]);

    // The branch clones.
    let clone = w.path("clone");
    let url = w.server.clone_url(repo);
    git_ok(home, &["clone", "-q", "-b", branch, "--", &url, &clone]);
    assert_eq!(
        git_ok(home, &["-C", &clone, "rev-parse", "HEAD"]).trim(),
        sha
    );

    // Names git would refuse, or read as an option, are refused before git sees them.
    let refs_before = ls_remote(home, &url, &[]);
    for bad in [
        "",
        "-x",
        "--upload-pack=touch pwned",
        "a..b",
        "a b",
        "a\nb",
        "a\u{0}b",
        "a~1",
        "a^",
        "a:b",
        "a?",
        "a*",
        "a[",
        "a\\b",
        "x.lock",
        "/a",
        "a/",
        "a//b",
        "a/.b",
        "@{-1}",
        "HEAD",
        ".hidden",
        "a\u{7f}",
        &"x".repeat(300),
    ] {
        let commit = w.host.commit(repo, bad, &files(&[("f", "2")]), "bad");
        assert!(commit.is_err(), "commit on {bad:?}");
        let open = w.host.open_pull(
            repo,
            NewPull {
                title: "t".into(),
                branch: bad.into(),
                ..NewPull::default()
            },
        );
        assert!(open.is_err(), "open on {bad:?}");
        assert!(w.host.branch_sha(repo, bad).is_err(), "branch_sha {bad:?}");
    }
    assert_eq!(ls_remote(home, &url, &[]), refs_before);
    assert_eq!(w.host.pulls(repo).unwrap().len(), 1);
    assert!(!w.tmp.path().join("pwned").exists());

    // Repository names and file paths.
    for bad in [
        "acme",
        "acme/app.git",
        "../acme/x",
        "acme/-x",
        "acme/a b",
        "acme/x/y",
    ] {
        assert!(w.host.init(bad, &Files::new()).is_err(), "{bad:?}");
    }
    assert!(w.host.init(repo, &Files::new()).is_err(), "exists already");
    for bad in [".git/config", "../x", "/abs", "a/../../x", "a//b", ""] {
        assert!(
            w.host
                .commit(repo, "main", &files(&[(bad, "x")]), "m")
                .is_err(),
            "{bad:?}"
        );
    }
    // Other refusals: a number taken, zero, an unknown pull request, a missing branch.
    let new = |number, branch: &str| NewPull {
        number,
        branch: branch.into(),
        ..NewPull::default()
    };
    assert!(w.host.open_pull(repo, new(Some(42), "main")).is_err());
    assert!(w.host.open_pull(repo, new(Some(0), "main")).is_err());
    assert!(w.host.open_pull(repo, new(None, "feat/missing")).is_err());
    assert_eq!(
        w.host.open_pull(repo, new(None, "main")).unwrap().number,
        43
    );
    assert!(w.host.close(repo, 7).is_err());
    assert!(w.host.label(repo, 42, &strings(&[""])).is_err());
}

#[test]
fn pushing_and_the_dumb_protocol_are_refused() {
    let w = World::new();
    let home = w.home();
    let url = w.server.clone_url("acme/app");
    let refused = |method: &str, path: &str| {
        let reply = http::request(method, &w.api(path), &[], b"0000").unwrap();
        assert_eq!(reply.status, 403, "{method} {path}");
    };
    refused(
        "GET",
        "/git/acme/app.git/info/refs?service=git-receive-pack",
    );
    refused("POST", "/git/acme/app.git/git-receive-pack");
    refused("GET", "/git/acme/app.git/info/refs");

    let clone = w.path("clone");
    git_ok(home, &["clone", "-q", "--", &url, &clone]);
    std::fs::write(Path::new(&clone).join("new"), "x").unwrap();
    git_ok(home, &["-C", &clone, "add", "new"]);
    git_ok(
        home,
        &[
            "-C",
            &clone,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-q",
            "-m",
            "x",
        ],
    );
    let push = git(home, &["-C", &clone, "push", "-q", "origin", "HEAD:main"]);
    assert!(!push.status.success());
    assert_eq!(
        w.host.branch_sha("acme/app", "main").unwrap().as_deref(),
        Some(w.main.as_str())
    );
}

#[test]
fn malformed_requests_do_not_break_the_server() {
    let w = World::new();
    let raw = |bytes: &[u8]| {
        let mut conn = TcpStream::connect(("127.0.0.1", w.server.port())).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        conn.write_all(bytes).unwrap();
        let _ = conn.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = conn.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    for bytes in [
        &b"\x00\xff garbage\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /api/v3/repos/acme/app/pulls HTTP/1.1\r\nX: \xff\r\n\r\n",
        b"POST /git/acme/app.git/git-upload-pack HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
        b"POST /git/acme/app.git/git-upload-pack HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n",
    ] {
        let out = raw(bytes);
        assert!(out.starts_with("HTTP/1.1 400 "), "{bytes:?}: {out}");
    }
    let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(100 * 1024));
    assert!(raw(huge.as_bytes()).starts_with("HTTP/1.1 400 "));

    // Paths that lead nowhere.
    for path in [
        "/",
        "/git/",
        "/git/acme/app/info/refs?service=git-upload-pack",
        "/git/acme/../acme/app.git/info/refs?service=git-upload-pack",
        "/git/acme/app.git/../../app.git/info/refs?service=git-upload-pack",
        "/git/acme/app.git/HEAD",
        "/git/acme/app.git/objects/info/packs",
        "/git/acme/app.git/config",
        "/api/v3/",
        "/api/v3/repos/acme",
        "/api/v4/projects/",
    ] {
        assert_eq!(get(&w.api(path)).status, 404, "{path}");
    }

    // Garbage for upload-pack: git's own answer (http-backend sends its headers before
    // upload-pack reads the request, so a 200 with no pack), not a crash.
    let reply = http::request(
        "POST",
        &w.api("/git/acme/app.git/git-upload-pack"),
        &[("Content-Type", "application/x-git-upload-pack-request")],
        b"this is not a pkt-line",
    )
    .unwrap();
    assert!(reply.body.is_empty(), "{reply:?}");
    let reply = http::request(
        "POST",
        &w.api("/git/acme/app.git/git-upload-pack"),
        &[("Content-Encoding", "gzip")],
        b"not gzip",
    )
    .unwrap();
    assert_ne!(reply.status, 200, "{reply:?}");

    // Still serving.
    let refs = ls_remote(w.home(), &w.server.clone_url("acme/app"), &[]);
    assert_eq!(refs["refs/heads/main"], w.main);
}

/// One process serves while others change the directory: the server reads the state again for
/// each request, and the lock keeps concurrent changes from losing each other.
#[test]
fn the_state_is_shared_through_the_directory() {
    let w = World::new();
    let other = GitHost::open(w.host.dir()).unwrap();
    other
        .commit("acme/app", "feat/a", &files(&[("a", "1")]), "a")
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let host = GitHost::open(w.host.dir()).unwrap();
            std::thread::spawn(move || {
                for i in 0..5 {
                    host.open_pull(
                        "acme/app",
                        NewPull {
                            title: format!("t{t} #{i}"),
                            author: format!("user{t}"),
                            branch: "feat/a".into(),
                            ..NewPull::default()
                        },
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let served = json(&get(&w.api("/api/v3/repos/acme/app/pulls?per_page=100")));
    let mut got = numbers(&served, "number");
    got.sort();
    assert_eq!(got, (1..=40).collect::<Vec<u64>>());

    // A commit on the branch moves the head of its open pull requests, not of closed ones.
    other.close("acme/app", 1).unwrap();
    let before = other.pull("acme/app", 1).unwrap().sha;
    let sha = other
        .commit("acme/app", "feat/a", &files(&[("a", "2")]), "a2")
        .unwrap();
    let served = json(&get(&w.api("/api/v3/repos/acme/app/pulls/2")));
    assert_eq!(served["head"]["sha"], sha.as_str());
    assert_eq!(other.pull("acme/app", 1).unwrap().sha, before);
    assert!(
        std::fs::read_dir(w.host.dir().join("tmp"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[test]
fn the_cli_drives_the_same_operations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("deploy")).unwrap();
    std::fs::write(src.join("deploy/app.yaml"), "v1\n").unwrap();
    std::fs::write(src.join("README.md"), "hi\n").unwrap();
    let cli = |args: &[&str]| {
        let mut all = vec![
            args[0].to_string(),
            "--dir".into(),
            dir.to_str().unwrap().into(),
        ];
        all.extend(args[1..].iter().map(|a| a.to_string()));
        githost::cli(&all)
    };
    let r = ["--repo", "acme/app"];
    cli(&[&["init"][..], &r, &["--from", src.to_str().unwrap()]].concat()).unwrap();
    cli(&[
        &["commit"][..],
        &r,
        &[
            "--branch",
            "feat/x",
            "--file",
            "a.txt=one=1",
            "--message",
            "m",
        ],
    ]
    .concat())
    .unwrap();
    cli(&[
        &["open"][..],
        &r,
        &[
            "--branch",
            "feat/x",
            "--title",
            "--looks-like-a-flag \"q\"",
            "--author",
            "a",
            "--label",
            "l1",
            "--label",
            "l2",
        ],
    ]
    .concat())
    .unwrap();
    cli(&[&["label"][..], &r, &["--number", "1", "--label", "l3"]].concat()).unwrap();
    cli(&[&["unlabel"][..], &r, &["--number", "1", "--label", "l1"]].concat()).unwrap();
    cli(&[&["push"][..], &r, &["--number", "1", "--file", "a.txt=two"]].concat()).unwrap();
    cli(&[&["retitle"][..], &r, &["--number", "1", "--title", "new"]].concat()).unwrap();
    cli(&[&["close"][..], &r, &["--number", "1"]].concat()).unwrap();
    cli(&[&["list"][..], &r].concat()).unwrap();

    let host = GitHost::open(&dir).unwrap();
    let pr = host.pull("acme/app", 1).unwrap();
    assert_eq!(pr.title, "new");
    assert_eq!(pr.author, "a");
    assert_eq!(pr.labels, ["l2", "l3"]);
    assert_eq!(pr.state, PullState::Closed);
    assert_eq!(Some(pr.sha), host.branch_sha("acme/app", "feat/x").unwrap());
    cli(&[&["reopen"][..], &r, &["--number", "1"]].concat()).unwrap();
    assert_eq!(host.pull("acme/app", 1).unwrap().state, PullState::Open);

    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let server = host.serve().unwrap();
    let clone = tmp.path().join("clone");
    git_ok(
        &home,
        &[
            "clone",
            "-q",
            "-b",
            "feat/x",
            "--",
            &server.clone_url("acme/app"),
            clone.to_str().unwrap(),
        ],
    );
    let read = |f: &str| std::fs::read_to_string(clone.join(f)).unwrap();
    assert_eq!(read("deploy/app.yaml"), "v1\n");
    assert_eq!(read("README.md"), "hi\n");
    assert_eq!(read("a.txt"), "two");

    // --replace: the tree is exactly the files given.
    cli(&[
        &["commit"][..],
        &r,
        &["--branch", "feat/y", "--file", "only=1", "--replace"],
    ]
    .concat())
    .unwrap();
    assert_eq!(
        git_ok(
            &home,
            &[
                "ls-remote",
                &server.clone_url("acme/app"),
                "refs/heads/feat/y"
            ]
        )
        .split('\t')
        .next(),
        host.branch_sha("acme/app", "feat/y").unwrap().as_deref()
    );

    // Usage errors.
    for bad in [
        &["bogus"][..],
        &["open", "--repo", "acme/app", "--branch", "feat/x"],
        &[
            "open", "--repo", "acme/app", "--branch", "feat/x", "--title", "a", "--title", "b",
        ],
        &["close", "--repo", "acme/app", "--number", "x"],
        &["close", "--repo", "acme/app", "--unknown", "1"],
        &["close", "--repo", "acme/app", "--number"],
        &["label", "--repo", "acme/app", "--number", "1"],
        &[
            "commit",
            "--repo",
            "acme/app",
            "--branch",
            "b",
            "--file",
            "no-equals",
        ],
        &[
            "commit", "--repo", "acme/app", "--branch", "-b", "--file", "f=1",
        ],
    ] {
        assert!(cli(bad).is_err(), "{bad:?}");
    }
    assert!(githost::cli(&[]).is_err());
    assert!(githost::cli(&["list".to_string()]).is_err(), "no --dir");
}
