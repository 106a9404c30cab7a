//! How users name an environment: `1234`, `api-pr-envs/1234`, `app-dev/api-pr-envs/1234`, with
//! `@provider` after the id when two providers of a ResourceSet export the same id.
use crate::model::environments::Environment;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub namespace: Option<String>,
    pub resource_set: Option<String>,
    pub id: String,
    pub provider: Option<String>,
}

pub fn parse(text: &str) -> Result<Reference, String> {
    let invalid = || {
        format!("invalid environment {text:?}: use PR, RESOURCESET/PR or NAMESPACE/RESOURCESET/PR")
    };
    let parts: Vec<&str> = text.trim().split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(invalid());
    }
    let (namespace, resource_set, last) = match parts.as_slice() {
        [last] => (None, None, *last),
        [rset, last] => (None, Some(*rset), *last),
        [ns, rset, last] => (Some(*ns), Some(*rset), *last),
        _ => return Err(invalid()),
    };
    // The namespace becomes part of request paths: only a namespace name may.
    if let Some(ns) = namespace
        && !is_namespace_name(ns)
    {
        return Err(format!(
            "invalid environment {text:?}: {ns:?} is not a namespace name"
        ));
    }
    let (id, provider) = match last.split_once('@') {
        Some((id, p)) if !id.is_empty() && !p.is_empty() => (id.to_string(), Some(p.to_string())),
        Some(_) => {
            return Err(format!(
                "invalid environment {text:?}: expected PR@PROVIDER"
            ));
        }
        None => (last.to_string(), None),
    };
    Ok(Reference {
        namespace: namespace.map(str::to_string),
        resource_set: resource_set.map(str::to_string),
        id,
        provider,
    })
}

/// A DNS-1123 label, as Kubernetes requires of namespace names.
pub fn is_namespace_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.last().is_some_and(|b| b.is_ascii_alphanumeric())
}

impl Reference {
    pub fn matches(&self, env: &Environment) -> bool {
        env.pr.id == self.id
            && self.namespace.as_ref().is_none_or(|n| *n == env.namespace)
            && self
                .resource_set
                .as_ref()
                .is_none_or(|r| *r == env.resource_set)
            && self
                .provider
                .as_ref()
                .is_none_or(|p| *p == env.provider.name)
    }
}

pub enum Resolution<'a> {
    Found(&'a Environment),
    Ambiguous(Vec<&'a Environment>),
    NotFound,
}

pub fn resolve<'a>(reference: &Reference, envs: &'a [Environment]) -> Resolution<'a> {
    let found: Vec<&Environment> = envs.iter().filter(|e| reference.matches(e)).collect();
    match found.as_slice() {
        [] => Resolution::NotFound,
        [one] => Resolution::Found(one),
        _ => Resolution::Ambiguous(found),
    }
}

/// `a, b, c` with at most `max` names and a count of the rest.
pub fn name_list(envs: &[&Environment], max: usize) -> String {
    let mut names: Vec<String> = envs.iter().take(max).map(|e| e.name.clone()).collect();
    if envs.len() > max {
        names.push(format!("and {} more", envs.len().saturating_sub(max)));
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            parse("1234").unwrap(),
            Reference {
                namespace: None,
                resource_set: None,
                id: "1234".into(),
                provider: None
            }
        );
        assert_eq!(
            parse("api-pr-envs/1234").unwrap().resource_set.as_deref(),
            Some("api-pr-envs")
        );
        let full = parse("app-dev/api-pr-envs/4@web-prs").unwrap();
        assert_eq!(full.namespace.as_deref(), Some("app-dev"));
        assert_eq!(full.provider.as_deref(), Some("web-prs"));
        for bad in ["", "a//b", "/1", "a/b/c/d", "4@", "@p"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}

#[cfg(test)]
mod namespace_tests {
    use super::is_namespace_name;

    #[test]
    fn only_namespace_names_reach_request_paths() {
        for ok in ["default", "app-dev", "a", "x1-2"] {
            assert!(is_namespace_name(ok), "{ok}");
        }
        for bad in [
            "",
            "../..",
            "?x=1",
            "a b",
            "App",
            "-a",
            "a-",
            "a/b",
            &"a".repeat(64),
        ] {
            assert!(!is_namespace_name(bad), "{bad}");
        }
    }
}
