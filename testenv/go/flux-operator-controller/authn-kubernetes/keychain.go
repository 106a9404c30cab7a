// Package kubernetes stands in for github.com/google/go-containerregistry/pkg/authn/kubernetes,
// whose version pinned by the Flux Operator is not served by the Go module proxy. It provides the
// one function the operator calls: a registry keychain built from image pull Secrets. The tests
// never pull OCI artifacts; this keeps the operator's OCI code paths honest rather than stubbed.
package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
)

// NewFromPullSecrets returns a keychain that answers with the credentials the Secrets hold for a
// registry host, and anonymous access for any other host. Both Secret formats are read:
// kubernetes.io/dockerconfigjson ({"auths": {host: entry}}) and kubernetes.io/dockercfg
// ({host: entry}). The first Secret that names a host wins, as in the Secrets' order.
func NewFromPullSecrets(_ context.Context, secrets []corev1.Secret) (authn.Keychain, error) {
	k := keychain{}
	for _, s := range secrets {
		entries := map[string]authn.AuthConfig{}
		if data, ok := s.Data[corev1.DockerConfigJsonKey]; ok {
			var cfg struct {
				Auths map[string]authn.AuthConfig `json:"auths"`
			}
			if err := json.Unmarshal(data, &cfg); err != nil {
				return nil, fmt.Errorf("secret %s/%s: %s: %w", s.Namespace, s.Name, corev1.DockerConfigJsonKey, err)
			}
			entries = cfg.Auths
		} else if data, ok := s.Data[corev1.DockerConfigKey]; ok {
			if err := json.Unmarshal(data, &entries); err != nil {
				return nil, fmt.Errorf("secret %s/%s: %s: %w", s.Namespace, s.Name, corev1.DockerConfigKey, err)
			}
		}
		for key, entry := range entries {
			host := registryHost(key)
			if _, seen := k[host]; !seen && host != "" {
				k[host] = entry
			}
		}
	}
	return k, nil
}

// keychain maps a registry host (as in an image reference, e.g. "ghcr.io" or "127.0.0.1:5000")
// to its credentials.
type keychain map[string]authn.AuthConfig

func (k keychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if entry, ok := k[registryHost(target.RegistryStr())]; ok {
		return authn.FromConfig(entry), nil
	}
	return authn.Anonymous, nil
}

// registryHost reduces a docker config key ("https://host/v1/", "host", "host/path") to its host.
func registryHost(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	if i := strings.IndexByte(key, '/'); i >= 0 {
		key = key[:i]
	}
	if key == "index.docker.io" || key == "registry-1.docker.io" {
		return "index.docker.io"
	}
	return key
}
