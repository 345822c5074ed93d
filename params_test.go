package freddy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCreateBodyHasEveryJSONTag: Create's body() is written by hand for
// speed, so the wire shape lives in both the struct tags and body(). This
// walks every field of CreateConfigurationParams by reflection: with every
// field set, the body holds exactly the json tag names, each with the
// field's value; with only the fields that have no omit option set, it holds
// exactly those. A field added to the struct but not to body() (never sent),
// or sent under another name, fails here; a field of a new type fails until
// the test is taught a value for it.
func TestCreateBodyHasEveryJSONTag(t *testing.T) {
	fill := func(all bool) (CreateConfigurationParams, map[string]any) {
		var p CreateConfigurationParams
		v := reflect.ValueOf(&p).Elem()
		want := map[string]any{}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			require.NotEmpty(t, name, "field %s has no json name", f.Name)
			if !all && (strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")) {
				continue
			}
			fv := v.Field(i)
			switch f.Type {
			case reflect.TypeFor[Credentials]():
				c := BearerCredentials(testCredential)
				fv.Set(reflect.ValueOf(c))
				want[name] = c.Reveal()
			case reflect.TypeFor[string]():
				s := "v-" + f.Name + ` <&>"é`
				fv.SetString(s)
				want[name] = s
			case reflect.TypeFor[map[string]any]():
				m := map[string]any{"k-" + f.Name: "v", "n": 1.5}
				fv.Set(reflect.ValueOf(m))
				want[name] = m
			case reflect.TypeFor[*bool]():
				fv.Set(reflect.ValueOf(Bool(false)))
				want[name] = false
			default:
				t.Fatalf("field %s (%s): teach this test a value for it", f.Name, f.Type)
			}
		}
		return p, want
	}
	for _, all := range []bool{true, false} {
		p, want := fill(all)
		b, err := p.body()
		require.NoError(t, err, "all=%v", all)
		var got map[string]any
		require.NoError(t, json.Unmarshal(b, &got), "all=%v: %s", all, b)
		assert.Equal(t, want, got, "all=%v", all)
	}
}
