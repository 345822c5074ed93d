package otelfreddy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aitronos/freddy-go"
)

// An id that is the API key (the caller swapped two arguments) or holds a
// credential reaches the span's freddy.configuration.id attribute, and its
// status, scrubbed: the attribute is there, holding no 8-byte window of
// either secret.
func TestSecretConfigurationIDIsScrubbedInSpans(t *testing.T) {
	tel := setup(t)
	ctx := context.Background()
	key := tel.srv.APIKey
	_, _ = tel.client.Configurations.Get(ctx, key)
	_, _ = tel.client.Configurations.Update(ctx, "x"+token, freddy.UpdateConfigurationParams{Credentials: freddy.BearerCredentials(token)})
	var texts []string
	ids := 0
	for _, s := range tel.spans.Ended() {
		texts = append(texts, s.Name(), s.Status().Description)
		for _, kv := range s.Attributes() {
			if kv.Key == "freddy.configuration.id" {
				ids++
			}
			texts = append(texts, string(kv.Key)+"="+kv.Value.String())
		}
	}
	if ids < 2 {
		t.Fatalf("freddy.configuration.id on %d spans, want the two calls':\n%s", ids, strings.Join(texts, "\n"))
	}
	all := strings.ToLower(strings.Join(texts, "\n"))
	for _, secret := range []string{key, token} {
		for i := 0; i+8 <= len(secret); i++ {
			if w := strings.ToLower(secret[i : i+8]); strings.Contains(all, w) {
				t.Errorf("a span holds %q, part of a secret", w)
			}
		}
	}
}
