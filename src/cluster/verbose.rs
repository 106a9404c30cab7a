//! kubectl's `-v/--v=N` for the plugin's own requests, as a layer on kube's client stack:
//! `-v=6` logs each request's method, URL, status and latency to stderr; `-v=7` adds the request
//! line before it is sent; `-v=8` adds request and response bodies, truncated, with Secrets
//! redacted. The layer sits above kube's authentication and header layers, so credentials never
//! reach it (kubectl's `-v=7` header dump has no equivalent here). Watches are logged when their
//! response starts (their bodies never end). Everything logged passes the sanitiser: URLs and
//! bodies carry untrusted text.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use kube::client::{Body, DynBody};
use tower::util::BoxService;
use tower::{BoxError, Layer, Service};

/// kube's default client stack (`ClientBuilder::try_from(config)`), which this layer wraps.
type GenericService = BoxService<Request<Body>, Response<Box<DynBody>>, BoxError>;

/// Bodies longer than this are cut at `-v=8` (kubectl cuts at 1,024 characters too).
const BODY_LIMIT: usize = 1024;

/// The layer: the verbosity and the server URL (the stack below adds it to each request).
#[derive(Clone)]
pub struct RequestLog {
    pub level: u8,
    pub server: String,
}

impl Layer<GenericService> for RequestLog {
    type Service = Logged;

    fn layer(&self, inner: GenericService) -> Logged {
        Logged {
            inner,
            log: self.clone(),
        }
    }
}

pub struct Logged {
    inner: GenericService,
    log: RequestLog,
}

type Reply = Response<Box<DynBody>>;

impl Service<Request<Body>> for Logged {
    type Response = Reply;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Reply, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let log = self.log.clone();
        let method = request.method().clone();
        let url = format!("{}{}", log.server, request.uri());
        // kube sends an empty query as a bare `?`.
        let url = url.strip_suffix('?').map(str::to_string).unwrap_or(url);
        let watch = request
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv == "watch=true" || kv == "watch=1"));
        let secret = is_secret(request.uri().path());
        if log.level >= 7 {
            emit(&format!("Request {method} {url}"));
            for (name, value) in request.headers() {
                let value = if name == http::header::AUTHORIZATION {
                    mask(value.to_str().unwrap_or_default())
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                emit(&format!("    {name}: {value}"));
            }
        }
        let sent = (log.level >= 8)
            .then(|| request.body().try_clone())
            .flatten();
        let start = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            if let Some(body) = sent
                && let Ok(bytes) = body.collect_bytes().await
                && !bytes.is_empty()
            {
                emit(&format!("Request Body: {}", shown(&bytes, secret)));
            }
            let response = response.await;
            let millis = start.elapsed().as_millis();
            match &response {
                Ok(r) => emit(&format!(
                    "{method} {url} {} in {millis} milliseconds{}",
                    r.status(),
                    if watch { " (watch)" } else { "" }
                )),
                Err(e) => emit(&format!(
                    "{method} {url} failed in {millis} milliseconds: {e}"
                )),
            }
            let response = response?;
            if log.level < 8 || watch {
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await?.to_bytes();
            emit(&format!("Response Body: {}", shown(&bytes, secret)));
            let body: Box<DynBody> = Box::new(Full::new(bytes).map_err(|never| match never {}));
            Ok(Response::from_parts(parts, body))
        })
    }
}

/// `/api/v1/namespaces/N/secrets[/NAME]`: a Secret's data never reaches the log.
fn is_secret(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.windows(2).any(|w| w[0] == "v1" && w[1] == "secrets")
        || parts
            .windows(3)
            .any(|w| w[0] == "namespaces" && w[2] == "secrets")
}

/// An Authorization header as kubectl shows it: the scheme, the credential masked.
fn mask(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <masked>"),
        None => "<masked>".into(),
    }
}

/// A body as logged: a Secret's redacted, others cut at `BODY_LIMIT` characters.
fn shown(bytes: &Bytes, secret: bool) -> String {
    if secret {
        return format!("<redacted: a Secret, {} bytes>", bytes.len());
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let mut cut: String = text.chars().take(BODY_LIMIT).collect();
    if text.chars().count() > BODY_LIMIT {
        cut.push_str(&format!(" [truncated {} bytes]", bytes.len()));
    }
    cut
}

/// One log line to stderr, sanitised (control characters escaped, one line).
fn emit(line: &str) {
    crate::safe_eprintln!("{}", crate::sanitize::line(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_credentials_never_show() {
        assert!(is_secret("/api/v1/namespaces/app/secrets/token"));
        assert!(is_secret("/api/v1/namespaces/app/secrets"));
        assert!(is_secret("/api/v1/secrets"));
        assert!(!is_secret("/api/v1/namespaces/secrets/pods"));
        assert!(!is_secret(
            "/apis/apps/v1/namespaces/app/deployments/secrets"
        ));
        assert_eq!(mask("Bearer abc.def"), "Bearer <masked>");
        assert_eq!(mask("opaque"), "<masked>");
        let secret = Bytes::from_static(b"{\"data\":{\"token\":\"c2VjcmV0\"}}");
        assert!(!shown(&secret, true).contains("c2VjcmV0"));
        let long = Bytes::from("é".repeat(2000));
        let cut = shown(&long, false);
        assert!(cut.starts_with(&"é".repeat(BODY_LIMIT)));
        assert!(cut.ends_with("[truncated 4000 bytes]"), "{cut}");
    }
}
