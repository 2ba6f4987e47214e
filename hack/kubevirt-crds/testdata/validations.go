package components

// A trimmed stand-in for KubeVirt's validations_generated.go.

var unrelated = map[string]string{"virtualmachine": "not this one"}

var CRDsValidation map[string]string = map[string]string{
	"virtualmachine": `openAPIV3Schema:
  description: A virtual machine.
  properties:
    spec:
      type: object
      x-kubernetes-preserve-unknown-fields: true
    status:
      type: object
      x-kubernetes-preserve-unknown-fields: true
  type: object
`,
	"virtualmachineinstance": `openAPIV3Schema:
  description: "A ` + "`running`" + ` virtual machine."
  type: object
`,
	"virtualmachineinstancemigration":   "openAPIV3Schema:\n  type: object\n",
	"virtualmachineinstancetype":        "openAPIV3Schema:\n  type: object\n",
	"virtualmachineclusterinstancetype": "openAPIV3Schema:\n  type: object\n",
	"virtualmachinepreference":          "openAPIV3Schema:\n  type: object\n",
	"virtualmachineclusterpreference":   "openAPIV3Schema:\n  type: object\n",
}
