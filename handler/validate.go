package handler

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/messages"
	"gatekeeper/internal/posting"
)

// langTagPattern is a language tag or locale as clients send them ("vi",
// "EN-us", "en_US", "zh-Hant-TW"): a hint only, the text decides.
var langTagPattern = regexp.MustCompile(`^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,4}$`)

// validate is shared: validator caches struct metadata.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must(v.RegisterValidation("postid", func(fl validator.FieldLevel) bool {
		return posting.ValidID(fl.Field().String())
	}))
	must(v.RegisterValidation("langtag", func(fl validator.FieldLevel) bool {
		return langTagPattern.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	}))
	must(v.RegisterValidation("rfc3339", func(fl validator.FieldLevel) bool {
		_, err := time.Parse(time.RFC3339, fl.Field().String())
		return err == nil
	}))
	return v
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// postInput is a post as the CMS sends it.
type postInput struct {
	// ID is the CMS's post id; without one, the id is made from Link
	// (posting.PostID). One of them is required.
	ID           string   `json:"id" validate:"omitempty,postid"`
	Link         string   `json:"link" validate:"omitempty,max=2048"`
	Title        string   `json:"title" validate:"required,notblank,max=2000"`
	Excerpt      string   `json:"excerpt" validate:"max=20000"`
	Content      string   `json:"content"`
	URL          string   `json:"url" validate:"omitempty,max=2048,http_url"`
	Categories   []string `json:"categories" validate:"max=100,dive,max=200"`
	Tags         []string `json:"tags" validate:"max=200,dive,max=200"`
	Author       string   `json:"author" validate:"max=200"`
	Language     string   `json:"language" validate:"omitempty,langtag"`
	SiteLocale   string   `json:"site_locale" validate:"omitempty,langtag"`
	DeclaredTone string   `json:"declared_tone" validate:"omitempty,oneof=negative neutral positive"`
	PublishedAt  string   `json:"published_at" validate:"omitempty,rfc3339"`
}

// A CMS may add fields to the post it sends; they are ignored.
func (*postInput) openJSONObject() {}

func (p *postInput) post() gate.Post {
	out := gate.Post{
		ID: p.ID, Title: p.Title, Excerpt: p.Excerpt, Content: p.Content, URL: p.URL, Link: p.Link,
		Categories: p.Categories, Tags: p.Tags, Author: p.Author,
		Language: p.Language, SiteLocale: p.SiteLocale, DeclaredTone: p.DeclaredTone,
	}
	if t, err := time.Parse(time.RFC3339, p.PublishedAt); err == nil {
		out.PublishedAt = &t
	}
	return out
}

// resolveID sets the post's id from its link when it has none
// (posting.PostID). It returns the refused field's message, keyed by path
// (the post's path, e.g. "post" or "posts[3]"), or nil.
func (p *postInput) resolveID(path string, lang messages.Lang) map[string]string {
	id, err := posting.PostID(p.Link, p.ID)
	if err == nil {
		p.ID = id
		return nil
	}
	var pe *posting.Error
	if !errors.As(err, &pe) {
		return map[string]string{path + ".link": messages.Field(lang, "", "")}
	}
	switch pe.Code {
	case "missing":
		return map[string]string{path + ".id": messages.Field(lang, "required_id", "")}
	case "id":
		return map[string]string{path + ".id": messages.Field(lang, "postid", "")}
	}
	return map[string]string{path + ".link": pe.In(lang)}
}

type checkRequest struct {
	Post   *postInput `json:"post" validate:"required"`
	DryRun bool       `json:"dry_run"`
}

type syncPost struct {
	postInput
	// published_at is required in a sync.
	PublishedAt string `json:"published_at" validate:"required,rfc3339"`
}

type syncRequest struct {
	Posts    []syncPost `json:"posts" validate:"required,max=10000,dive"`
	Complete bool       `json:"complete"`
}

type resolveRequest struct {
	Reviewer string `json:"reviewer" validate:"required,notblank,max=200"`
	Note     string `json:"note" validate:"required,notblank,max=2000"`
}

// decodeJSON unmarshals body into v and validates it. It returns the error
// code and per-field messages on failure. (The check's body has its own
// decoder with the same answers, decodeCheck.)
func decodeJSON(body []byte, v any, lang messages.Lang) (string, map[string]string) {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return typeRefusal(te.Field, jsonKind(te.Type), lang)
		}
		return "invalid_json", nil
	}
	if path, rule := keyProblem(body, reflect.TypeOf(v)); rule != "" {
		return keyRefusal(path, rule, lang)
	}
	return validateStruct(v, lang)
}

func validateStruct(v any, lang messages.Lang) (string, map[string]string) {
	err := validate.Struct(v)
	if err == nil {
		return "", nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return "validation_failed", map[string]string{"body": messages.Field(lang, "", "")}
	}
	fields := map[string]string{}
	for _, fe := range ves {
		ns := fe.Namespace()
		// Drop the Go type name at the root: "checkRequest.post.title" → "post.title".
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest
		}
		// Embedded structs add their type name; posts[0].postInput.id → posts[0].id.
		ns = strings.ReplaceAll(ns, ".postInput", "")
		param := fe.Param()
		if fe.Tag() == "oneof" {
			param = strings.ReplaceAll(param, " ", ", ")
		}
		if _, seen := fields[ns]; !seen {
			fields[ns] = messages.Field(lang, fe.Tag(), param)
		}
	}
	return "validation_failed", fields
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "object"
	default:
		return "number"
	}
}

func fieldMsg(c *gin.Context, rule, param string) string {
	return messages.Field(langOf(c), rule, param)
}
