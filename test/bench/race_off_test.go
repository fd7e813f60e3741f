//go:build !race

package bench

// raceEnabled is false: built without the race detector.
const raceEnabled = false
