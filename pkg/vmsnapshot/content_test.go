package vmsnapshot

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// Every Secret a VM refers to is captured: cloud-init user and network
// data, sysprep, secret volumes, and the SSH keys and passwords of its
// accessCredentials.
func TestSecretsOfEveryKindAreCaptured(t *testing.T) {
	ref := func(name string) *corev1.LocalObjectReference { return &corev1.LocalObjectReference{Name: name} }
	volumes := []kubevirtv1.Volume{
		{Name: "ci", VolumeSource: kubevirtv1.VolumeSource{CloudInitNoCloud: &kubevirtv1.CloudInitNoCloudSource{UserDataSecretRef: ref("user"), NetworkDataSecretRef: ref("net")}}},
		{Name: "cd", VolumeSource: kubevirtv1.VolumeSource{CloudInitConfigDrive: &kubevirtv1.CloudInitConfigDriveSource{UserDataSecretRef: ref("drive")}}},
		{Name: "sysprep", VolumeSource: kubevirtv1.VolumeSource{Sysprep: &kubevirtv1.SysprepSource{Secret: ref("unattend")}}},
		{Name: "sysprep-cm", VolumeSource: kubevirtv1.VolumeSource{Sysprep: &kubevirtv1.SysprepSource{ConfigMap: ref("a-configmap")}}},
		{Name: "sec", VolumeSource: kubevirtv1.VolumeSource{Secret: &kubevirtv1.SecretVolumeSource{SecretName: "plain"}}},
	}
	var got []string
	for _, v := range volumes {
		got = append(got, secretNames(v)...)
	}
	if want := []string{"user", "net", "drive", "unattend", "plain"}; !slices.Equal(got, want) {
		t.Errorf("volume Secrets %v, want %v", got, want)
	}

	credentials := []kubevirtv1.AccessCredential{
		{SSHPublicKey: &kubevirtv1.SSHPublicKeyAccessCredential{Source: kubevirtv1.SSHPublicKeyAccessCredentialSource{
			Secret: &kubevirtv1.AccessCredentialSecretSource{SecretName: "ssh"}}}},
		{UserPassword: &kubevirtv1.UserPasswordAccessCredential{Source: kubevirtv1.UserPasswordAccessCredentialSource{
			Secret: &kubevirtv1.AccessCredentialSecretSource{SecretName: "password"}}}},
	}
	if got, want := accessCredentialSecrets(credentials), []string{"ssh", "password"}; !slices.Equal(got, want) {
		t.Errorf("accessCredentials Secrets %v, want %v", got, want)
	}
}
