package main

import "testing"

func TestRequireLoopback(t *testing.T) {
	for address, wantOK := range map[string]bool{
		"":               true,
		"127.0.0.1:0":    true,
		"127.0.0.2:8080": true,
		"localhost:8080": true,
		"[::1]:8080":     true,
		"0.0.0.0:8080":   false,
		":8080":          false,
		"10.0.0.1:8080":  false,
		"example.com:80": false,
		"127.0.0.1":      false,
	} {
		if err := requireLoopback(address); (err == nil) != wantOK {
			t.Errorf("requireLoopback(%q) = %v, want ok=%t", address, err, wantOK)
		}
	}
}
