package cloudwatch

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"
)

// result is what a test expects of one MetricDataResult.
type result struct {
	query  int
	times  []int64
	values []float64
}

// collect decodes body as the response to a call of n queries and returns
// what deliver hands over, and the NextToken.
func collect(t *testing.T, body []byte, n int) ([]result, string, error) {
	t.Helper()
	d := &pageDecoder{queries: n, body: bytes.NewBuffer(body)}
	var out []result
	_, next, err := d.deliver(func(q int, ts []int64, vs []float64) error {
		out = append(out, result{q, slices.Clone(ts), slices.Clone(vs)})
		return nil
	})
	return out, next, err
}

func cborEpoch(s float64) cbor.Value { return &cbor.Tag{ID: 1, Value: cbor.Float64(s)} }

// Responses as the SDK's own CBOR encoder writes them, and as a server may
// (indefinite lengths, narrower floats, integers, null, unknown members),
// decode to the same datapoints; broken ones fail.
func TestPageDecode(t *testing.T) {
	full := cbor.Encode(cbor.Map{
		"MetricDataResults": cbor.List{
			cbor.Map{"Id": cbor.String("q1"), "Label": cbor.String("x"), "StatusCode": cbor.String("Complete"),
				"Timestamps": cbor.List{cborEpoch(3600), cborEpoch(7200)}, "Values": cbor.List{cbor.Float64(1.5), cbor.Float64(-2)}},
			cbor.Map{"Id": cbor.String("q0"), "Values": cbor.List{}, "Timestamps": cbor.List{}},
		},
		"NextToken": cbor.String("tok"),
		"Messages":  cbor.List{cbor.Map{"Code": cbor.String("a"), "Value": cbor.String("b")}},
	})
	want := []result{{1, []int64{3600_000, 7200_000}, []float64{1.5, -2}}}
	got, next, err := collect(t, full, 2)
	if err != nil || next != "tok" || !equalResults(got, want) {
		t.Fatalf("definite: %v, %q, %v; want %v", got, next, err, want)
	}
	// The same by hand: indefinite map and lists, a chunked text string,
	// values as an integer, a negative integer, a float32 and a float16,
	// timestamps as integer and float32 seconds, NextToken null.
	indef := []byte{0xbf,
		0x71, 'M', 'e', 't', 'r', 'i', 'c', 'D', 'a', 't', 'a', 'R', 'e', 's', 'u', 'l', 't', 's', 0x9f,
		0xbf, 0x62, 'I', 'd', 0x7f, 0x61, 'q', 0x61, '1', 0xff,
		0x66, 'V', 'a', 'l', 'u', 'e', 's', 0x9f, 0x03, 0x21, 0xfa, 0x3f, 0xc0, 0x00, 0x00, 0xf9, 0x3c, 0x00, 0xff,
		0x6a, 'T', 'i', 'm', 'e', 's', 't', 'a', 'm', 'p', 's', 0x9f, 0xc1, 0x19, 0x0e, 0x10, 0xc1, 0xfa, 0x45, 0xe1, 0x00, 0x00,
		0xc1, 0x1a, 0x00, 0x00, 0x2a, 0x30, 0xc1, 0x1a, 0x00, 0x00, 0x38, 0x40, 0xff,
		0x65, 'O', 't', 'h', 'e', 'r', 0xa1, 0x61, 'k', 0x82, 0xf5, 0xf6,
		0xff, 0xff,
		0x69, 'N', 'e', 'x', 't', 'T', 'o', 'k', 'e', 'n', 0xf6,
		0xff}
	got, next, err = collect(t, indef, 2)
	want = []result{{1, []int64{3600_000, 7200_000, 10800_000, 14400_000}, []float64{3, -2, 1.5, 1}}}
	if err != nil || next != "" || !equalResults(got, want) {
		t.Fatalf("indefinite: %v, %q, %v; want %v", got, next, err, want)
	}
	for _, tc := range []struct {
		name string
		body []byte
		err  string
	}{
		{"truncated", full[:len(full)-3], "unexpected EOF"},
		{"trailing bytes", append(slices.Clone(full), 0x00), "after the response"},
		{"not a map", cbor.Encode(cbor.List{}), "major type 4"},
		{"unknown id", cbor.Encode(cbor.Map{"MetricDataResults": cbor.List{cbor.Map{"Id": cbor.String("q7")}}}), `unexpected result id "q7"`},
		{"lengths differ", cbor.Encode(cbor.Map{"MetricDataResults": cbor.List{cbor.Map{"Id": cbor.String("q0"),
			"Timestamps": cbor.List{cborEpoch(1)}, "Values": cbor.List{}}}}), "1 timestamps but 0 values"},
		{"timestamp without tag", cbor.Encode(cbor.Map{"MetricDataResults": cbor.List{cbor.Map{"Id": cbor.String("q0"),
			"Timestamps": cbor.List{cbor.Float64(1)}}}}), "not tag 1"},
		{"forbidden", cbor.Encode(cbor.Map{"MetricDataResults": cbor.List{cbor.Map{"Id": cbor.String("q0"), "StatusCode": cbor.String("Forbidden"),
			"Messages": cbor.List{cbor.Map{"Code": cbor.String("AccessDenied"), "Value": cbor.String("no")}}}}}), "status Forbidden: AccessDenied: no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := collect(t, tc.body, 2)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func equalResults(a, b []result) bool {
	return slices.EqualFunc(a, b, func(x, y result) bool {
		return x.query == y.query && slices.Equal(x.times, y.times) && slices.Equal(x.values, y.values)
	})
}

func TestHalfFloat(t *testing.T) {
	for bits, want := range map[uint16]float64{
		0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: math.Ldexp(1, -24), 0x0000: 0, 0x7c00: math.Inf(1), 0xfc00: math.Inf(-1),
	} {
		if got := halfFloat(bits); got != want {
			t.Errorf("halfFloat(%#04x) = %v, want %v", bits, got, want)
		}
	}
	if !math.IsNaN(halfFloat(0x7e00)) {
		t.Error("0x7e00 is not NaN")
	}
}
