package testsupport

import (
	"math/rand/v2"
	"strings"
)

// IDsAround are candidate ids for holding an id check to the pattern it
// implements: every byte value alone, first, in the middle and last; runs of
// a letter, a digit and '-' of the lengths around max, alone and after a
// '-'; a few Vietnamese and spaced ones; and 5,000 made at random from
// alphabet (seeded, so every run tries the same ones).
func IDsAround(max int, alphabet string) []string {
	var ids []string
	for c := range 256 {
		b := string([]byte{byte(c)})
		ids = append(ids, b, b+"ab", "a"+b+"b", "ab"+b)
	}
	for _, n := range []int{0, 1, 2, max - 1, max, max + 1, 2 * max} {
		for _, run := range []string{strings.Repeat("a", n), strings.Repeat("-", n), strings.Repeat("1", n)} {
			ids = append(ids, run, "-"+run)
		}
	}
	ids = append(ids, "bài-1", "báo", "bao-kon-tum", "Bao", "a\u0323", "ạ", "post 1", "a b", "a_b", "a\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		b := make([]byte, rng.IntN(max+8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		ids = append(ids, string(b))
	}
	return ids
}
