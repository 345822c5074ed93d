package freddy

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aitronos/freddy-go/internal/redact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastObjectRead are bodies the fast reader reads: every documented shape
// of a configuration (the Create page's and the lifecycle page's), and the
// values it reads itself or hands to encoding/json.
var fastObjectRead = []string{
	`{"id":"pconf_1"}`,
	` { "success" : true , "data" : { "id" : "pconf_1" , "name" : "n" } } `,
	`{"success":true,"data":null}`,
	`{"success":null,"id":"pconf_1"}`,
	`{"id":"pconf_1","user_id":"u","api_key_id":"k","personal_connector_id":"p","health_status":"healthy","last_sync_at":"2025-11-13T10:45:00Z","last_error":"e","createdAt":"2025-11-13T10:45:00Z","updatedAt":"2025-11-13T10:45:00.123+02:00"}`,
	`{"id":"pconf_1","apiKeyId":"k","lastSyncAt":"2025-11-13T10:45:00Z","lastError":null,"description":"d","created_at":null}`,
	`{"id":"p\u00e9","name":"caf\u00e9 \"x\"","description":"\u2028","object":"\ud83d\ude00"}`,
	"{\"id\":\"pconf_1\",\"name\":\"h\xc3\xa9llo \xff\"}",
	`{"id":"pconf_1","credentials":{"type":"bearer","token":"t","nested":[1,{"a":null}]}}`,
	`{"id":"pconf_1","credentials":"***REDACTED***"}`,
	`{"id":"pconf_1","configuration":{"a":"b","c":true,"d":null,"a":"e"},"metadata":{}}`,
	`{"id":"pconf_1","configuration":{"n":1.5e3,"o":{"p":[1,"2",null]},"u":"\u00e9"},"metadata":null}`,
	`{"id":"pconf_1","enabled":false,"unknown":[1,2,{"x":"y"}],"other":-0.5e-3,"more":"\u0041"}`,
	`{"id":null,"enabled":null,"name":null,"description":null,"configuration":null}`,
	// The lifecycle page's List item: an array in the configuration.
	`{"id":"pconf_1","configuration":{"repository":"aitronos/freddy-backend","branch":"main","paths":["src/","docs/"]}}`,
	`{"id":"pconf_1","configuration":{"a":[],"b":{},"c":[[1,-0,0.5,-1.25e-3,1E+2],{"d":[null,true,false,"\u00e9"]}],"e":1e308}}`,
	`{"id":"pconf_1","name":"\ud83d\ude00 \ud83d x \udc00\u0041 \ud800\ud800 \\ \/ \b\f\n\r\t \"","description":"\u0000"}`,
	`{"id":"pconf_1","configuration":` + strings.Repeat(`{"a":`, maxScanDepth-1) + `1` + strings.Repeat(`}`, maxScanDepth-1) + `}`,
}

// fastObjectRefused are bodies it leaves to encoding/json, and why.
var fastObjectRefused = []string{
	`null`,                                          // not an object
	`{"ID":"pconf_1"}`,                              // a name encoding/json folds
	`{"Data":{"id":"pconf_1"}}`,                     // the envelope's, folded
	`{"\u0069d":"pconf_1"}`,                         // an escaped name
	`{"id":"a","id":"b"}`,                           // repeated
	`{"id":"pconf_1"} x`,                            // text after the object
	`{"id":1}`,                                      // another type
	`{"enabled":"yes","id":"pconf_1"}`,              // another type
	`{"id":"pconf_1","data":[]}`,                    // another type
	`{"id":"pconf_1","created_at":"yesterday"}`,     // not a time
	`{"id":"pconf_1","unknown":[1,}`,                // malformed
	`{"id":"pconf_1","credentials":{"a":tru}}`,      // malformed
	`{"id":"pconf_1","name":"a` + "\x01" + `"}`,     // a control character
	`{"id":"pconf_1","configuration":{"a":01}}`,     // malformed number
	`{"id":"pconf_1","configuration":{"a":1e400}}`,  // out of float64's range
	`{"id":"pconf_1","configuration":{"a":[1,]}}`,   // malformed
	`{"id":"pconf_1","configuration":{"a":-}}`,      // malformed number
	`{"id":"pconf_1","configuration":{"\u0061":1}}`, // an escaped name in a map
	`{"id":"pconf_1","name":"\'"}`,                  // an escape JSON does not define
	`{"id":"pconf_1","name":"\u12"}`,                // a short \u escape
	`{"id":"pconf_1","configuration":` + strings.Repeat(`[`, 100000) + strings.Repeat(`]`, 100000) + `}`, // far past the limit
	`{"id":"pconf_1","x":` + strings.Repeat("[", maxScanDepth) + strings.Repeat("]", maxScanDepth) + `}`, // near the nesting limit
}

// TestFastObjectReadsAsEncodingJSON: each body in fastObjectRead is read by
// the fast reader into the objectBody json.Unmarshal fills; each in
// fastObjectRefused is not (encoding/json reads or refuses it).
func TestFastObjectReadsAsEncodingJSON(t *testing.T) {
	for _, body := range fastObjectRead {
		var got, want objectBody
		require.True(t, got.fast([]byte(body)), "fast reader refused %s", body)
		require.NoError(t, json.Unmarshal([]byte(body), &want), body)
		assert.Equal(t, want, got, body)
	}
	for _, body := range fastObjectRefused {
		var got objectBody
		assert.False(t, got.fast([]byte(body)), "fast reader read %s", body)
	}
	for _, name := range []string{"create_200.json", "get_200.json"} {
		var got, want objectBody
		body := fixture(t, name)
		require.True(t, got.fast(body), name)
		require.NoError(t, json.Unmarshal(body, &want))
		assert.Equal(t, want, got, name)
	}
}

// TestDecodeConfigurationFallsBackToEncodingJSON: a body the fast reader
// leaves is decoded by encoding/json, from a fresh start: its errors and
// its case-folded members are the caller's as before.
func TestDecodeConfigurationFallsBackToEncodingJSON(t *testing.T) {
	c, derr := decodeConfiguration([]byte(`{"ID":"pconf_1","Name":"n","name":"m"}`))
	require.Nil(t, derr)
	assert.Equal(t, "pconf_1", c.ID)
	assert.Equal(t, "m", c.Name)
	// The fast reader got as far as "name" before giving up at "id".
	c, derr = decodeConfiguration([]byte(`{"name":"n","configuration":{"a":"b"},"id":"x","id":"pconf_2"}`))
	require.Nil(t, derr)
	assert.Equal(t, "pconf_2", c.ID)
	_, derr = decodeConfiguration([]byte(`{"id":"pconf_1","enabled":"yes"}`))
	require.NotNil(t, derr)
	assert.Equal(t, "response does not match the documented schema", derr.Reason)
	_, derr = decodeConfiguration([]byte(`{"id":"pconf_1",}`))
	require.NotNil(t, derr)
	assert.Equal(t, "response is not valid JSON", derr.Reason)
}

// FuzzFastObject: the fast reader reads a body only if json.Unmarshal
// accepts it, and then fills the objectBody as json.Unmarshal does.
func FuzzFastObject(f *testing.F) {
	seedBodies(f, func(b []byte) { f.Add(b) })
	for _, s := range append(append([]string{}, fastObjectRead...), fastObjectRefused...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got objectBody
		if !got.fast(bytes.Clone(body)) {
			return
		}
		var want objectBody
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("the fast reader read a body encoding/json refuses (%v): %q", err, body)
		}
		if !assert.Equal(t, want, got) {
			t.Fatalf("body %q", body)
		}
	})
}

// BenchmarkDecodeConfiguration: a Create's 200 body decoded by
// decodeConfiguration (the fast reader), and by json.Unmarshal into the
// same objectBody as before it.
func BenchmarkDecodeConfiguration(b *testing.B) {
	body := fixture(b, "create_200.json")
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, derr := decodeConfiguration(body); derr != nil {
				b.Fatal(derr)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var o objectBody
			if err := json.Unmarshal(body, &o); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFastReaderKnowsEveryWireMember: wireFields are wireConfiguration's
// member names in field order, and the fast reader puts each member where
// encoding/json does: a field added to wireConfiguration and not to the
// fast reader would otherwise be skipped by it as unknown.
func TestFastReaderKnowsEveryWireMember(t *testing.T) {
	typ := reflect.TypeFor[wireConfiguration]()
	require.Equal(t, typ.NumField(), len(wireFields))
	sample := map[reflect.Type]string{
		reflect.TypeFor[string]():              `"v"`,
		reflect.TypeFor[*string]():             `"v"`,
		reflect.TypeFor[nullable[string]]():    `"v"`,
		reflect.TypeFor[HealthStatus]():        `"healthy"`,
		reflect.TypeFor[bool]():                `true`,
		reflect.TypeFor[map[string]any]():      `{"k":"v"}`,
		reflect.TypeFor[time.Time]():           `"2025-11-13T10:45:00Z"`,
		reflect.TypeFor[*time.Time]():          `"2025-11-13T10:45:00Z"`,
		reflect.TypeFor[nullable[time.Time]](): `"2025-11-13T10:45:00Z"`,
		reflect.TypeFor[redact.Discarded]():    `{"token":"t"}`,
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		require.Equal(t, name, wireFields[i], "field %s", f.Name)
		v, ok := sample[f.Type]
		require.True(t, ok, "no sample value for %s's type %s", f.Name, f.Type)
		for _, body := range []string{`{"` + name + `":` + v + `}`, `{"data":{"` + name + `":` + v + `}}`} {
			var got, want objectBody
			require.True(t, got.fast([]byte(body)), body)
			require.NoError(t, json.Unmarshal([]byte(body), &want))
			assert.Equal(t, want, got, body)
		}
	}
}
