//! The environments table (`list`, `list -w`): one row per environment, every cell through the
//! sanitiser; and `-o name`.
use crate::model::environments::{Column, Environment};
use crate::model::health::short;
use crate::ui::output::{self, FORBIDDEN, NONE};

/// `-o name`: one reference a line. A PR id is the provider's text: sanitised, so it stays one line.
pub fn render_names(envs: &[&Environment]) -> String {
    envs.iter()
        .map(|e| format!("{}\n", crate::sanitize::line(&e.name)))
        .collect()
}

fn or_none(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or(NONE).to_string()
}

/// The id as the reference names it (`4@web-prs` when two providers export `4`).
fn pr_column(e: &Environment) -> String {
    e.name.rsplit('/').next().unwrap_or(&e.pr.id).to_string()
}

pub fn render_table(
    envs: &[&Environment],
    wide: bool,
    all_namespaces: bool,
    no_headers: bool,
) -> String {
    let mut headers = vec![];
    if all_namespaces {
        headers.push("NAMESPACE");
    }
    headers.extend(["RESOURCESET", "PR", "BRANCH", "SHA", "STATUS", "URL", "AGE"]);
    if wide {
        headers.extend([
            "TITLE",
            "AUTHOR",
            "PROVIDER",
            "OBJECTS",
            "DEPLOYED",
            "LAST DEPLOY",
            "PR URL",
            "MESSAGE",
        ]);
    }
    let forbidden = |e: &Environment, col: Column| e.forbidden.contains(&col);
    let rows: Vec<Vec<String>> = envs
        .iter()
        .map(|e| {
            let mut row = vec![];
            if all_namespaces {
                row.push(e.namespace.clone());
            }
            row.push(if forbidden(e, Column::ResourceSet) {
                FORBIDDEN.into()
            } else {
                e.resource_set.clone()
            });
            row.push(pr_column(e));
            row.push(or_none(e.pr.branch.as_deref()));
            row.push(or_none(e.pr.sha.as_deref().map(short)));
            row.push(e.status.to_string());
            row.push(match (&e.url, forbidden(e, Column::Url)) {
                (Some(u), _) => u.clone(),
                (None, true) => FORBIDDEN.into(),
                (None, false) => NONE.into(),
            });
            row.push(if e.created_at.is_some() {
                output::age(e.created_at.as_deref())
            } else {
                NONE.into()
            });
            if wide {
                row.push(or_none(e.pr.title.as_deref()));
                row.push(or_none(e.pr.author.as_deref()));
                row.push(e.provider.name.clone());
                row.push(e.objects.len().to_string());
                row.push(match (&e.deployed_sha, forbidden(e, Column::Deployed)) {
                    (Some(d), _) => short(d).to_string(),
                    (None, true) => FORBIDDEN.into(),
                    (None, false) => NONE.into(),
                });
                row.push(if e.last_deploy.is_some() {
                    output::age(e.last_deploy.as_deref())
                } else {
                    NONE.into()
                });
                row.push(or_none(e.pr.url.as_deref()));
                row.push(e.message.lines().next().unwrap_or("").to_string());
            }
            row
        })
        .collect();
    output::table(&headers, &rows, no_headers)
}
