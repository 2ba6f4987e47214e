package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// readStringMap parses the Go source file at path and returns the contents of
// the package-level variable varName, which must be initialised with a
// map[string]string composite literal whose keys and values are string
// constants (literals, possibly concatenated with +).
func readStringMap(path, varName string) (map[string]string, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	literal, err := findMapLiteral(file, varName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}

	result := make(map[string]string, len(literal.Elts))
	for _, element := range literal.Elts {
		pair, ok := element.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("%s: %s: map element is not a key: value pair", path, fset.Position(element.Pos()))
		}
		key, err := constantString(pair.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: key: %w", path, fset.Position(pair.Key.Pos()), err)
		}
		value, err := constantString(pair.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: value of %q: %w", path, fset.Position(pair.Value.Pos()), key, err)
		}
		if _, duplicate := result[key]; duplicate {
			return nil, fmt.Errorf("%s: duplicate key %q", path, key)
		}
		result[key] = value
	}
	return result, nil
}

func findMapLiteral(file *ast.File, varName string) (*ast.CompositeLit, error) {
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.VAR {
			continue
		}
		for _, spec := range gen.Specs {
			value := spec.(*ast.ValueSpec)
			for i, name := range value.Names {
				if name.Name != varName {
					continue
				}
				if i >= len(value.Values) {
					return nil, fmt.Errorf("variable %s has no initial value", varName)
				}
				literal, ok := value.Values[i].(*ast.CompositeLit)
				if !ok || !isStringMapType(literal.Type) {
					return nil, fmt.Errorf("variable %s is not initialised with a map[string]string literal", varName)
				}
				return literal, nil
			}
		}
	}
	return nil, fmt.Errorf("no package-level variable %s", varName)
}

func isStringMapType(expr ast.Expr) bool {
	mapType, ok := expr.(*ast.MapType)
	return ok && isIdent(mapType.Key, "string") && isIdent(mapType.Value, "string")
}

func isIdent(expr ast.Expr, name string) bool {
	ident, ok := expr.(*ast.Ident)
	return ok && ident.Name == name
}

// constantString evaluates a string literal or a concatenation of them.
// Generators fall back to concatenation when a value holds a back quote,
// which a raw string literal cannot contain.
func constantString(expr ast.Expr) (string, error) {
	switch e := expr.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", fmt.Errorf("literal %s is not a string", e.Value)
		}
		return strconv.Unquote(e.Value)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", fmt.Errorf("operator %s is not string concatenation", e.Op)
		}
		left, err := constantString(e.X)
		if err != nil {
			return "", err
		}
		right, err := constantString(e.Y)
		if err != nil {
			return "", err
		}
		return left + right, nil
	case *ast.ParenExpr:
		return constantString(e.X)
	default:
		return "", fmt.Errorf("expression of type %T is not a string constant", expr)
	}
}
