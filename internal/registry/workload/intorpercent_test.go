package workload

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestIntOrPercent(t *testing.T) {
	path := field.NewPath("maxSurge")
	for _, tt := range []struct {
		name             string
		v                intstr.IntOrString
		value            int
		invalid, over100 bool
	}{
		{name: "int", v: intstr.FromInt32(3), value: 3},
		{name: "negative int", v: intstr.FromInt32(-1), value: -1, invalid: true},
		{name: "percent", v: intstr.FromString("25%"), value: 25},
		{name: "over 100 percent", v: intstr.FromString("150%"), value: 150, over100: true},
		{name: "int over 100 passes the percent check", v: intstr.FromInt32(150), value: 150},
		{name: "malformed percent reads as its digits", v: intstr.FromString("25"), value: 25, invalid: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := IntOrPercentValue(tt.v); got != tt.value {
				t.Errorf("IntOrPercentValue = %d, want %d", got, tt.value)
			}
			if errs := ValidateIntOrPercent(tt.v, path); (len(errs) > 0) != tt.invalid {
				t.Errorf("ValidateIntOrPercent = %v, want invalid %t", errs, tt.invalid)
			}
			if errs := ValidateNotOver100Percent(tt.v, path); (len(errs) > 0) != tt.over100 {
				t.Errorf("ValidateNotOver100Percent = %v, want error %t", errs, tt.over100)
			}
		})
	}
}
