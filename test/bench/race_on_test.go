//go:build race

package bench

// raceEnabled: the race detector slows every goroutine ~10× and caps them
// at 8,128, so TestOverload runs its -short shape.
const raceEnabled = true
