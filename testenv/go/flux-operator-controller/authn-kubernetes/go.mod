// Our own replacement for github.com/google/go-containerregistry/pkg/authn/kubernetes (see
// keychain.go); the Flux Operator wrapper points its require line here. Its requirements are the
// versions the operator itself requires, so the replacement never raises the operator's graph.
module github.com/google/go-containerregistry/pkg/authn/kubernetes

go 1.26.0

require (
	github.com/google/go-containerregistry v0.21.9
	k8s.io/api v0.36.3
)
