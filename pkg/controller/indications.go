package controller

import (
	"slices"

	snapshotapi "vmsnap.io/api/snapshot/v1alpha1"
)

// Indications are facts about a snapshot's source, shared by VM and disk
// snapshots.

// HasIndication reports whether the list holds an indication of type t.
func HasIndication(list []snapshotapi.Indication, t snapshotapi.IndicationType) bool {
	return slices.ContainsFunc(list, func(i snapshotapi.Indication) bool { return i.Type == t })
}

// IndicationMessage returns the message of the indication of type t, or "".
func IndicationMessage(list []snapshotapi.Indication, t snapshotapi.IndicationType) string {
	for _, i := range list {
		if i.Type == t {
			return i.Message
		}
	}
	return ""
}

// SetIndication adds the indication, or updates its message.
func SetIndication(list *[]snapshotapi.Indication, t snapshotapi.IndicationType, message string) {
	for i := range *list {
		if (*list)[i].Type == t {
			(*list)[i].Message = message
			return
		}
	}
	*list = append(*list, snapshotapi.Indication{Type: t, Message: message})
}

// RemoveIndication drops the indication of type t.
func RemoveIndication(list *[]snapshotapi.Indication, t snapshotapi.IndicationType) {
	*list = slices.DeleteFunc(*list, func(i snapshotapi.Indication) bool { return i.Type == t })
	if len(*list) == 0 {
		*list = nil
	}
}

// Consistent reports whether a snapshot with these indications is
// application-consistent: the source was not running, or its guest agent
// froze it for the whole cut.
func Consistent(list []snapshotapi.Indication) bool {
	for _, bad := range []snapshotapi.IndicationType{
		snapshotapi.IndicationNoGuestAgent, snapshotapi.IndicationPaused,
		snapshotapi.IndicationQuiesceFailed, snapshotapi.IndicationQuiesceTimeout,
	} {
		if HasIndication(list, bad) {
			return false
		}
	}
	return !HasIndication(list, snapshotapi.IndicationOnline) || HasIndication(list, snapshotapi.IndicationGuestAgent)
}
