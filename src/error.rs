//! Errors carry the object and the action they concern, and print as one line.
use std::error::Error as StdError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input on the command line: exit code 2, as clap does.
    #[error("{0}")]
    Usage(String),

    #[error("cannot load kubeconfig: {0}")]
    Kubeconfig(String),

    #[error("cannot reach the API server {server} (context {context}): {reason}")]
    Unreachable {
        context: String,
        server: String,
        reason: String,
    },

    #[error("the API server {server} (context {context}) rejected the credentials: {reason}")]
    Unauthorized {
        context: String,
        server: String,
        reason: String,
    },

    #[error("forbidden: cannot {verb} {resource} in {scope}: {message}")]
    Forbidden {
        verb: String,
        resource: String,
        scope: String,
        message: String,
    },

    #[error("cannot {action}: {source}")]
    Kube {
        action: String,
        #[source]
        source: kube::Error,
    },

    #[error("{0}")]
    Other(String),

    /// An error of a command whose exit code 1 means something else (`render --diff`: there are
    /// differences), with the code it exits with.
    #[error("{message}")]
    Coded { message: String, code: u8 },

    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Coded { code, .. } => *code,
            _ => 1,
        }
    }

    /// The message and its causes on one line (kube's own messages may contain newlines).
    pub fn one_line(&self) -> String {
        let mut text = self.to_string();
        // Kube variants already embed their source; walk the rest only for sources not yet shown.
        let mut source = self.source();
        while let Some(s) = source {
            let part = s.to_string();
            if !text.contains(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
            source = s.source();
        }
        // Messages carry the server's and the cluster's text: one safe line for a terminal.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        crate::sanitize::line(&flat).into_owned()
    }
}
