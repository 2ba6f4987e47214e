package controller

import (
	"testing"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

func TestIndications(t *testing.T) {
	var list []snapshotapi.Indication
	if !Consistent(list) {
		t.Error("no indications (a stopped source) is not consistent")
	}
	SetIndication(&list, snapshotapi.IndicationOnline, "running")
	if Consistent(list) {
		t.Error("online without a guest agent freeze is consistent")
	}
	SetIndication(&list, snapshotapi.IndicationGuestAgent, "frozen")
	if !Consistent(list) {
		t.Error("online and frozen by the agent is not consistent")
	}
	SetIndication(&list, snapshotapi.IndicationQuiesceFailed, "first")
	SetIndication(&list, snapshotapi.IndicationQuiesceFailed, "second")
	if len(list) != 3 || IndicationMessage(list, snapshotapi.IndicationQuiesceFailed) != "second" {
		t.Errorf("SetIndication twice: %+v, want one QuiesceFailed with the last message", list)
	}
	if Consistent(list) {
		t.Error("a failed freeze is consistent")
	}
	RemoveIndication(&list, snapshotapi.IndicationQuiesceFailed)
	if HasIndication(list, snapshotapi.IndicationQuiesceFailed) || !Consistent(list) {
		t.Errorf("after RemoveIndication: %+v", list)
	}
	RemoveIndication(&list, snapshotapi.IndicationOnline)
	RemoveIndication(&list, snapshotapi.IndicationGuestAgent)
	if list != nil {
		t.Errorf("an emptied list is %#v, want nil so that it compares equal to an unset status", list)
	}
}
