//! Which objects of a ResourceSet's inventory belong to which pull request. Generated objects
//! carry only the ResourceSet's owner labels, so each entry is attributed to at most one PR by,
//! in order: the `event.toolkit.fluxcd.io/change_request` annotation, then rendering (the
//! identities the ResourceSet's templates produce for that PR's inputs, when they render), then
//! name tokens (only for what rendering cannot tell: templates that do not render, and objects
//! no current input produces, such as a closed PR's).
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::model::flux::CHANGE_REQUEST_ANNOTATION;
use crate::model::inventory::ObjectRef;

/// The rule that attributed an object to its environment (shown by `get`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "rule")]
pub enum Rule {
    /// `event.toolkit.fluxcd.io/change_request` equals the PR id.
    Annotation,
    /// The ResourceSet's templates, rendered with the PR's inputs, produce this object, and with
    /// no other input (spec §3 rule 2).
    Rendered,
    /// The name contains the PR id (or its branch slug) as whole `-`/`.` separated tokens and
    /// no other PR of the ResourceSet matches.
    NameToken { token: String },
    /// Listed in the inventory of an attributed Kustomization or HelmRelease.
    Inventory { parent: String },
}

impl Rule {
    pub fn describe(&self) -> String {
        match self {
            Rule::Annotation => format!("annotation {CHANGE_REQUEST_ANNOTATION}"),
            Rule::Rendered => "rendered".to_string(),
            Rule::NameToken { token } => format!("name token {token:?}"),
            Rule::Inventory { parent } => format!("inventory of {parent}"),
        }
    }
}

/// What attribution needs to know of one PR.
#[derive(Debug, Clone)]
pub struct PrKey {
    pub id: String,
    /// Branch slug (`feat/Bulk_export` → `feat-bulk-export`) or GitLab's exported `slug`.
    pub slugs: Vec<String>,
}

/// A branch as the Flux Operator's `slugify` renders it (gosimple/slug): transliterated to ASCII
/// (`crème` → `creme`), lower-case, runs of anything else one `-`, trimmed.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in deunicode::deunicode(text).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn tokens(name: &str) -> Vec<&str> {
    name.split(['-', '.']).filter(|t| !t.is_empty()).collect()
}

fn contains_run(haystack: &[&str], needle: &[&str]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

impl PrKey {
    /// The key of one exported input: its `id`, and the slugs of its `branch` and GitLab `slug`.
    pub fn of(input: &BTreeMap<String, serde_json::Value>) -> Option<PrKey> {
        let text = |key: &str| match input.get(key)? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let mut slugs: Vec<String> = text("branch").iter().map(|b| slugify(b)).collect();
        slugs.extend(text("slug"));
        slugs.retain(|s| !s.is_empty());
        Some(PrKey {
            id: text("id")?,
            slugs,
        })
    }
}

/// The PR an object's `change_request` annotation names, if it carries one.
pub fn annotated_id(annotations: &BTreeMap<String, String>) -> Option<&str> {
    annotations
        .get(CHANGE_REQUEST_ANNOTATION)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

/// Who renders an object, by rule 2: one PR's inputs alone, or more than one input (or an input
/// that is no PR's, or an input whatever its PR: shared, the ResourceSet's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producers {
    /// Index into the `prs` given to [`attribute`].
    Pr(usize),
    Shared,
}

/// Rule 2's evidence for one ResourceSet: the identity (group, kind, namespace, name) of every
/// object its templates render with the current inputs. An entry not in it is one no current
/// input renders (a closed PR's, or one the templates no longer produce): rule 3 decides.
pub type Rendered = HashMap<(String, String, String, String), Producers>;

/// The key of an object in [`Rendered`].
pub fn rendered_key(r: &ObjectRef) -> (String, String, String, String) {
    (
        r.group.clone(),
        r.kind.clone(),
        r.namespace.clone(),
        r.name.clone(),
    )
}

/// Attributes each entry to at most one PR (by index into `prs`). `annotations` returns the
/// annotations of an object when it is in the snapshot. An object whose `change_request`
/// annotation names a PR is that PR's or nobody's: neither rendering nor a name overrides it
/// (spec §3). `rendered`: rule 2's evidence, when the templates render.
pub fn attribute<'a>(
    entries: &[ObjectRef],
    prs: &[PrKey],
    annotations: impl Fn(&ObjectRef) -> Option<&'a BTreeMap<String, String>>,
    rendered: Option<&Rendered>,
) -> Vec<Option<(usize, Rule)>> {
    let keys = Keys::new(prs);
    entries
        .iter()
        .map(|entry| {
            let produced = rendered.and_then(|r| r.get(&rendered_key(entry)));
            match annotations(entry).and_then(annotated_id) {
                Some(value) => {
                    let named: &[usize] = keys.by_id.get(value).map(Vec::as_slice).unwrap_or(&[]);
                    match (named, produced) {
                        ([], _) => None,
                        ([only], _) => Some((*only, Rule::Annotation)),
                        // Two providers export the same id: rendering, else the name, tells
                        // them apart.
                        (_, Some(Producers::Pr(i))) if named.contains(i) => {
                            Some((*i, Rule::Rendered))
                        }
                        (_, Some(_)) => None,
                        (_, None) => by_name(&entry.name, prs, &keys, Some(named)),
                    }
                }
                None => match produced {
                    Some(Producers::Pr(i)) if *i < prs.len() => Some((*i, Rule::Rendered)),
                    Some(_) => None,
                    None => by_name(&entry.name, prs, &keys, None),
                },
            }
        })
        .collect()
}

/// The PRs' ids and slugs, tokenised once and indexed by token: a name is compared with the PRs
/// its own tokens can match, not with every PR (attribution is then linear in the objects, not
/// quadratic).
struct Keys<'a> {
    /// PR indices by id, ascending.
    by_id: HashMap<&'a str, Vec<usize>>,
    /// Each PR's slugs as tokens, in the order of `PrKey::slugs`.
    slugs: Vec<Vec<Vec<&'a str>>>,
    /// PR indices by the first token of one of their slugs, ascending.
    by_slug_start: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Keys<'a> {
    fn new(prs: &'a [PrKey]) -> Self {
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_slug_start: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut slugs = Vec::with_capacity(prs.len());
        for (i, pr) in prs.iter().enumerate() {
            by_id.entry(pr.id.as_str()).or_default().push(i);
            let toks: Vec<Vec<&str>> = pr.slugs.iter().map(|s| tokens(s)).collect();
            for first in toks.iter().filter_map(|t| t.first()) {
                let at = by_slug_start.entry(first).or_default();
                if at.last() != Some(&i) {
                    at.push(i);
                }
            }
            slugs.push(toks);
        }
        Keys {
            by_id,
            slugs,
            by_slug_start,
        }
    }
}

/// Rule 3: the PR whose id (a whole token) or branch slug (a whole run of tokens) the name
/// contains, when no other PR's does. The one exception is the same id exported by two providers,
/// which only a slug can tell apart. `candidates`: only these PRs (default: all).
fn by_name(
    name: &str,
    prs: &[PrKey],
    keys: &Keys<'_>,
    candidates: Option<&[usize]>,
) -> Option<(usize, Rule)> {
    let toks = tokens(name);
    // The PRs a token of the name can match, in index order.
    let mut hits: BTreeSet<usize> = BTreeSet::new();
    for t in &toks {
        for index in [&keys.by_id, &keys.by_slug_start] {
            if let Some(v) = index.get(t) {
                hits.extend(
                    v.iter()
                        .filter(|i| candidates.is_none_or(|c| c.contains(i))),
                );
            }
        }
    }
    let matched: Vec<(usize, bool, Option<&String>)> = hits
        .into_iter()
        .filter_map(|i| {
            let pr = prs.get(i)?;
            let by_id = toks.contains(&pr.id.as_str());
            let slug = pr
                .slugs
                .iter()
                .zip(keys.slugs.get(i).into_iter().flatten())
                .find(|(_, st)| contains_run(&toks, st))
                .map(|(s, _)| s);
            (by_id || slug.is_some()).then_some((i, by_id, slug))
        })
        .collect();
    let rule = |by_id: bool, slug: Option<&String>, i: usize| {
        let token = match (by_id, slug) {
            (true, _) => prs.get(i).map(|p| p.id.clone()).unwrap_or_default(),
            (false, Some(s)) => s.clone(),
            (false, None) => String::new(),
        };
        Rule::NameToken { token }
    };
    match matched.as_slice() {
        [(i, by_id, slug)] => Some((*i, rule(*by_id, *slug, *i))),
        [first, rest @ ..] => {
            let same_id = rest
                .iter()
                .all(|(i, _, _)| prs.get(*i).map(|p| &p.id) == prs.get(first.0).map(|p| &p.id));
            if !same_id {
                return None;
            }
            let by_slug: Vec<&(usize, bool, Option<&String>)> =
                matched.iter().filter(|m| m.2.is_some()).collect();
            match by_slug.as_slice() {
                [(i, _, Some(s))] => Some((
                    *i,
                    Rule::NameToken {
                        token: (*s).clone(),
                    },
                )),
                _ => None,
            }
        }
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(id: &str, branch: &str) -> PrKey {
        PrKey {
            id: id.into(),
            slugs: vec![slugify(branch)],
        }
    }

    fn entry(name: &str) -> ObjectRef {
        ObjectRef::new("kustomize.toolkit.fluxcd.io", "Kustomization", "ns", name)
    }

    fn run(
        names: &[&str],
        prs: &[PrKey],
        annotated: &[(&str, &str)],
    ) -> Vec<Option<(usize, Rule)>> {
        let annotations: BTreeMap<String, BTreeMap<String, String>> = annotated
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    BTreeMap::from([(CHANGE_REQUEST_ANNOTATION.to_string(), v.to_string())]),
                )
            })
            .collect();
        let entries: Vec<ObjectRef> = names.iter().map(|n| entry(n)).collect();
        attribute(&entries, prs, |r| annotations.get(&r.name), None)
    }

    #[test]
    fn whole_tokens_only() {
        let prs = [pr("12", "fix/a"), pr("123", "fix/b")];
        let got = run(
            &[
                "api-pr-123",
                "api-pr-12",
                "api-12.preview",
                "api-1234",
                "shared-config",
            ],
            &prs,
            &[],
        );
        assert_eq!(
            got[0].as_ref().map(|x| x.0),
            Some(1),
            "12 must never claim api-pr-123"
        );
        assert_eq!(got[1].as_ref().map(|x| x.0), Some(0));
        assert_eq!(
            got[2].as_ref().map(|x| x.0),
            Some(0),
            "dots split tokens too"
        );
        assert_eq!(got[3], None, "1234 is nobody's");
        assert_eq!(got[4], None, "shared objects belong to the ResourceSet");
    }

    #[test]
    fn annotation_wins_over_names() {
        let prs = [pr("7", "a"), pr("8", "b")];
        let got = run(&["app-7"], &prs, &[("app-7", "8")]);
        assert_eq!(got[0], Some((1, Rule::Annotation)));
        // An annotation naming another PR (one no longer exported) is never overridden by the
        // name: the object is that PR's, not 7's.
        let got = run(&["app-7"], &prs, &[("app-7", "99")]);
        assert_eq!(got[0], None);
    }

    #[test]
    fn ambiguous_names_stay_unattributed() {
        let prs = [pr("1", "x"), pr("2", "y")];
        assert_eq!(run(&["env-1-2"], &prs, &[])[0], None);
    }

    #[test]
    fn branch_slug_matches_when_the_id_is_not_in_the_name() {
        let prs = [pr("41", "feat/Bulk_Export"), pr("42", "fix/login")];
        let got = run(&["preview-feat-bulk-export", "preview-login"], &prs, &[]);
        assert_eq!(
            got[0],
            Some((
                0,
                Rule::NameToken {
                    token: "feat-bulk-export".into()
                }
            ))
        );
        assert_eq!(got[1], None, "a partial slug is not a match");
    }

    #[test]
    fn same_id_from_two_providers_is_told_apart_by_slug() {
        let prs = [pr("4", "web/feature"), pr("4", "api/feature")];
        let got = run(
            &["web-feature-4", "api-feature-4", "other-4"],
            &prs,
            &[("web-feature-4", "4")],
        );
        assert_eq!(got[0].as_ref().map(|x| x.0), Some(0));
        assert_eq!(got[1].as_ref().map(|x| x.0), Some(1));
        assert_eq!(got[2], None);
    }

    #[test]
    fn an_id_and_another_prs_branch_slug_are_ambiguous() {
        // PR 1's branch is hotfix/12: `app-hotfix-12` names both PR 12 (by id) and PR 1 (by slug).
        let prs = [pr("1", "hotfix/12"), pr("12", "feature/x")];
        assert_eq!(run(&["app-hotfix-12"], &prs, &[])[0], None);
        assert_eq!(
            run(&["app-hotfix-12"], &prs, &[("app-hotfix-12", "1")])[0],
            Some((0, Rule::Annotation))
        );
        assert_eq!(
            run(&["app-pr-12"], &prs, &[])[0],
            Some((1, Rule::NameToken { token: "12".into() }))
        );
    }

    #[test]
    fn slugify_is_dns_like() {
        assert_eq!(slugify("feat/Bulk_Export"), "feat-bulk-export");
        assert_eq!(slugify("--x--y--"), "x-y");
        assert_eq!(slugify("fix/crème-12"), "fix-creme-12");
    }

    #[test]
    fn rendering_decides_before_names_and_after_annotations() {
        let prs = [pr("12", "fix/a"), pr("13", "fix/b")];
        let entries: Vec<ObjectRef> = ["svc-x", "app-13", "shared-12", "stale-13", "ann"]
            .iter()
            .map(|n| entry(n))
            .collect();
        let mut rendered = Rendered::new();
        // `svc-x` names no PR, but only PR 12's inputs render it.
        rendered.insert(rendered_key(&entries[0]), Producers::Pr(0));
        // `app-13` names PR 13 but rendering says PR 12: rendering wins.
        rendered.insert(rendered_key(&entries[1]), Producers::Pr(0));
        // Rendered for both: shared, whatever its name says.
        rendered.insert(rendered_key(&entries[2]), Producers::Shared);
        // `stale-13` is rendered by no input: the name decides.
        // `ann` is annotated for PR 13 and rendered for PR 12: the annotation wins.
        rendered.insert(rendered_key(&entries[4]), Producers::Pr(0));
        let annotations = BTreeMap::from([(
            "ann".to_string(),
            BTreeMap::from([(CHANGE_REQUEST_ANNOTATION.to_string(), "13".to_string())]),
        )]);
        let got = attribute(
            &entries,
            &prs,
            |r| annotations.get(&r.name),
            Some(&rendered),
        );
        assert_eq!(got[0], Some((0, Rule::Rendered)));
        assert_eq!(got[1], Some((0, Rule::Rendered)));
        assert_eq!(got[2], None);
        assert_eq!(got[3], Some((1, Rule::NameToken { token: "13".into() })));
        assert_eq!(got[4], Some((1, Rule::Annotation)));
        // Without rendering, names decide as before.
        let got = attribute(&entries, &prs, |r| annotations.get(&r.name), None);
        assert_eq!(got[0], None);
        assert_eq!(got[1], Some((1, Rule::NameToken { token: "13".into() })));
        assert_eq!(got[2], Some((0, Rule::NameToken { token: "12".into() })));
    }

    #[test]
    fn an_annotation_naming_another_pr_beats_rendering() {
        // Annotated for PR 99, which is not exported: nobody's, even though PR 12 renders it.
        let prs = [pr("12", "fix/a")];
        let entries = vec![entry("app-12")];
        let rendered = Rendered::from([(rendered_key(&entries[0]), Producers::Pr(0))]);
        let annotations = BTreeMap::from([(
            "app-12".to_string(),
            BTreeMap::from([(CHANGE_REQUEST_ANNOTATION.to_string(), "99".to_string())]),
        )]);
        let got = attribute(
            &entries,
            &prs,
            |r| annotations.get(&r.name),
            Some(&rendered),
        );
        assert_eq!(got[0], None);
    }
}
