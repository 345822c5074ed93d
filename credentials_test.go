package freddy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCredentialsNeverPrint(t *testing.T) {
	p := validParams()
	creds := p.Credentials
	values := map[string]any{
		"credentials":         creds,
		"credentials pointer": &creds,
		"params":              p,
		"params pointer":      &p,
		"nested struct":       struct{ P CreateConfigurationParams }{p},
		"slice":               []Credentials{creds},
		"map":                 map[string]Credentials{"c": creds},
		"any":                 any(creds),
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v"} {
			out := fmt.Sprintf(verb, v)
			requireNoSecret(t, out)
			if verb != "%T" && name == "credentials" {
				assert.Equal(t, "***REDACTED***", out, verb)
			}
		}
		requireNoSecret(t, fmt.Sprint(v))
		requireNoSecret(t, fmt.Sprintln(v))
	}
	assert.Contains(t, fmt.Sprintf("%+v", p), "Credentials:***REDACTED***")
}

func TestParamsLogSafelyWithSlog(t *testing.T) {
	p := validParams()
	p.Description = "desc"
	p.Enabled = Bool(false)
	p.Metadata = map[string]any{"team": "a"}
	for name, h := range map[string]func(io.Writer) slog.Handler{
		"json": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		"text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(h(&buf))
			logger.Info("x", "params", p, "pp", &p, "creds", p.Credentials, "any", slog.AnyValue(p.Credentials))
			out := buf.String()
			requireNoSecret(t, out)
			assert.Contains(t, out, "***REDACTED***")
			assert.Contains(t, out, "pcon_github", "the rest of the params is logged")
			assert.Contains(t, out, "desc")
		})
	}
}

// TestParamsLogValueIsAGroupByJSONName: the LogValue guarantee, a group of
// the set fields under their JSON names with credentials redacted, for both
// params types.
func TestParamsLogValueIsAGroupByJSONName(t *testing.T) {
	p := validParams()
	p.Enabled = Bool(false)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "p", p)
	var rec struct{ P map[string]any }
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, map[string]any{"personalConnectorId": "pcon_github", "name": "My GitHub Account",
		"credentials": "***REDACTED***", "configuration": map[string]any{"repository": "aitronos/freddy-backend"},
		"enabled": false}, rec.P)

	buf.Reset()
	u := UpdateConfigurationParams{Name: String("n"), Credentials: BearerCredentials(testCredential)}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "p", u)
	rec.P = nil
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, map[string]any{"name": "n", "credentials": "***REDACTED***"}, rec.P)
}

func TestJSONMarshalOfParamsRedactsCredentials(t *testing.T) {
	b, err := json.Marshal(validParams())
	require.NoError(t, err)
	requireNoSecret(t, string(b))
	assert.JSONEq(t, `{"personalConnectorId":"pcon_github","name":"My GitHub Account","configuration":{"repository":"aitronos/freddy-backend"},"credentials":"***REDACTED***"}`, string(b))
	// The request itself carries the real credentials.
	rt := script(reply(200, fixture(t, "create_200.json")))
	_, err = newClient(t, rt).Configurations.Create(context.Background(), validParams())
	require.NoError(t, err)
	assert.Contains(t, string(rt.requests()[0].body), testCredential)
}

// TestParamsNestedAnywhereNeverShowCredentials: params and credentials held
// by a caller's own values, exported or not, at any depth, under every fmt
// verb, both slog handlers and json.Marshal.
func TestParamsNestedAnywhereNeverShowCredentials(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 20 {
		ss := newSecretSet(r)
		create := validParams()
		create.Credentials = ss.creds
		update := UpdateConfigurationParams{Name: String("n"), Credentials: ss.creds}
		type inner struct {
			P *CreateConfigurationParams
			u UpdateConfigurationParams
		}
		holder := struct {
			Exported   CreateConfigurationParams
			unexported CreateConfigurationParams
			Ptr        *UpdateConfigurationParams
			ptr        *CreateConfigurationParams
			Slice      []CreateConfigurationParams
			slice      []Credentials
			Map        map[string]UpdateConfigurationParams
			m          map[string]Credentials
			Any        any
			anyV       any
			Creds      Credentials
			creds      Credentials
			Deep       struct{ In inner }
			deep       []map[string]*inner
		}{
			Exported: create, unexported: create, Ptr: &update, ptr: &create,
			Slice: []CreateConfigurationParams{create}, slice: []Credentials{ss.creds},
			Map: map[string]UpdateConfigurationParams{"u": update}, m: map[string]Credentials{"c": ss.creds},
			Any: ss.creds, anyV: &create, Creds: ss.creds, creds: ss.creds,
			Deep: struct{ In inner }{inner{&create, update}}, deep: []map[string]*inner{{"x": {&create, update}}},
		}
		values := []any{holder, &holder, []any{holder}, map[string]any{"h": &holder}, create, &create, update, &update, ss.creds, &ss.creds}
		for _, v := range values {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v", "%-v"} {
				requireNoWindow(t, "fmt "+verb, fmt.Sprintf(verb, v), ss.secrets)
			}
			requireNoWindow(t, "fmt.Sprint", fmt.Sprint(v)+fmt.Sprintln(v), ss.secrets)
			b, err := json.Marshal(v)
			require.NoError(t, err)
			requireNoWindow(t, "json.Marshal", string(b), ss.secrets)
			var logs bytes.Buffer
			for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
				slog.New(h).Info("params", "v", v, "group", slog.GroupValue(slog.Any("inner", v)))
			}
			requireNoWindow(t, "slog", logs.String(), ss.secrets)
		}
	}
	// The credentials do reach the wire, and Reveal gives them back.
	ss := newSecretSet(r)
	assert.Equal(t, ss.secrets[1], ss.creds.Reveal()["accessToken"])
	p := validParams()
	p.Credentials = ss.creds
	body, err := p.body()
	require.NoError(t, err)
	var sent map[string]any
	require.NoError(t, json.Unmarshal(body, &sent))
	assert.Equal(t, ss.secrets[1], sent["credentials"].(map[string]any)["accessToken"])
}

// dump prints every string and byte slice reachable from v, following
// pointers and unexported fields, as spew and testify's diffs do.
func dump(v reflect.Value, out *strings.Builder, depth int) {
	if depth > 20 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			dump(v.Elem(), out, depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			dump(v.Field(i), out, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			out.Write(v.Bytes())
			out.WriteByte(' ')
			return
		}
		for i := range v.Len() {
			dump(v.Index(i), out, depth+1)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			dump(it.Key(), out, depth+1)
			dump(it.Value(), out, depth+1)
		}
	case reflect.String:
		out.WriteString(v.String())
		out.WriteByte(' ')
	}
}

// TestCredentialsCompareByContentAndDumpNothing: reflect.DeepEqual (what
// assert.Equal and gomock.Eq use) compares credentials by content, and a
// dumper that follows pointers into unexported fields finds nothing secret.
func TestCredentialsCompareByContentAndDumpNothing(t *testing.T) {
	a, b := BearerCredentials(testCredential), BearerCredentials(testCredential)
	assert.True(t, reflect.DeepEqual(a, b))
	assert.True(t, reflect.DeepEqual(validParams(), validParams()))
	assert.False(t, reflect.DeepEqual(a, BearerCredentials(testCredential+"x")))
	assert.Equal(t, a, b)

	var out strings.Builder
	p := validParams()
	dump(reflect.ValueOf(&p), &out, 0)
	dump(reflect.ValueOf(UpdateConfigurationParams{Credentials: a}), &out, 0)
	requireNoWindow(t, "a reflective dump", out.String(), []string{testCredential})
	assert.Contains(t, out.String(), "pcon_github", "the dump does reach the params")
}
