/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfgdoc: the key reference of bmsd.yaml, printed from the schema table, so
 * that the documentation cannot disagree with the parser.
 *
 *   cfgdoc --man    groff fragment for bmsd.yaml(5): keys, then board profiles
 *   cfgdoc --md     the same in Markdown
 *   cfgdoc --keys   every key path, one a line
 *   cfgdoc --dict   a libFuzzer dictionary of key names, values and aliases
 *   cfgdoc --connectors   "profile connector" for every connector, jumper and
 *                         LED of every board profile (for document checks)
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "profile.h"

enum mode { MAN, MD, KEYS, DICT };

/* groff: backslashes escaped, hyphens as minus signs, no control lines */
static void man_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\e", stdout);
			break;
		case '-':
			fputs("\\-", stdout);
			break;
		default:
			putchar(*s);
		}
	}
}

/* A sentence from a description: its first letter capitalised. */
static void man_sentence(const char *s)
{
	if (*s >= 'a' && *s <= 'z') {
		putchar(*s - 'a' + 'A');
		s++;
	}
	man_text(s);
	printf(".\n");
}

/* Markdown table cells: no pipes */
static void md_text(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
	}
}

static const char *unit_doc(const struct cfg_key *k)
{
	static const struct {
		const char *code, *text;
	} u[] = {
		{ "mV", "mV" },       { "mA", "mA" },       { "ms", "ms" },
		{ "dC", "0.1 degC" }, { "uV", "uV" },       { "uV_per_A", "uV per A" },
		{ "bps", "bit/s" },   { "KiB", "KiB" },     { "ohm", "ohm" },
		{ "K", "K" },         { "uV_per_pct", "uV per %RH" },
	};

	if (!k->unit)
		return NULL;
	for (unsigned int i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (!strcmp(u[i].code, k->unit))
			return u[i].text;
	return k->unit;
}

static void man_key(const struct cfg_key *k, const char *path)
{
	char range[512];
	const char *u = unit_doc(k);

	printf(".TP\n.B %s\n", path);
	if (k->type == CFG_T_SECTION) {
		man_text(k->flags & CFG_K_OPTIONAL ? "Optional section: " : "Section: ");
		man_text(k->desc);
		printf(".\n");
		return;
	}
	man_text(cfg_key_type_name(k));
	if (u) {
		printf(", in ");
		man_text(u);
	}
	printf(", ");
	man_text(cfg_key_range(k, range, sizeof(range)));
	printf("; ");
	if (k->def) {
		printf("default \\fB");
		man_text(*k->def ? k->def : "\"\"");
		printf("\\fR");
	} else {
		if (k->flags & CFG_K_PROFILE)
			printf("default ");
		man_text(cfg_key_default(k));
	}
	printf(".\n.br\n");
	man_sentence(k->desc);
	if (k->type == CFG_T_ENUM && k->names != NULL && strcmp(k->name, "board")) {
		printf(".RS\n");
		for (const struct cfg_enum_name *e = k->names; e->name; e++) {
			printf(".TP\n.B ");
			man_text(e->name);
			printf("\n");
			man_sentence(e->desc);
		}
		printf(".RE\n");
	}
}

static void md_key(const struct cfg_key *k, const char *path)
{
	char range[512];
	const char *u = unit_doc(k);

	if (k->type == CFG_T_SECTION) {
		printf("| `%s` | %ssection | | | | ", path,
		       k->flags & CFG_K_OPTIONAL ? "optional " : "");
		md_text(k->desc);
		printf(" |\n");
		return;
	}
	printf("| `%s` | %s | %s | ", path, cfg_key_type_name(k), u ? u : "");
	md_text(cfg_key_range(k, range, sizeof(range)));
	printf(" | ");
	if (k->def)
		printf("`%s`", *k->def ? k->def : "\"\"");
	else
		md_text(cfg_key_default(k));
	printf(" | ");
	md_text(k->desc);
	printf(" |\n");
}

struct walk_state {
	enum mode mode;
};

static void on_key(const struct cfg_key *k, const char *path, unsigned int depth, void *arg)
{
	struct walk_state *w = arg;

	switch (w->mode) {
	case MAN:
		if (depth == 0) {
			printf(".SS %s\n", k->name);
			if (k->type == CFG_T_SECTION) {
				printf(".PP\n");
				man_sentence(k->desc);
				return;
			}
		}
		man_key(k, path);
		break;
	case MD:
		if (depth == 0) {
			printf("\n### `%s`\n\n", k->name);
			if (k->type == CFG_T_SECTION)
				printf("%s.\n\n", k->desc);
			printf("| key | type | unit | range | default | description |\n");
			printf("| --- | --- | --- | --- | --- | --- |\n");
			if (k->type == CFG_T_SECTION)
				return;
		}
		md_key(k, path);
		break;
	case KEYS:
		printf("%s\n", path);
		break;
	case DICT:
		printf("\"%s\"\n", k->name);
		if (k->type == CFG_T_ENUM)
			for (const struct cfg_enum_name *e = k->names; e->name; e++)
				printf("\"%s\"\n", e->name);
		if (k->def && *k->def && !strchr(k->def, '"'))
			printf("\"%s\"\n", k->def);
		break;
	}
}

static const char *role_name(const struct profile_channel *ch)
{
	static char buf[16];

	switch (ch->kind) {
	case PROFILE_CH_RELAY:
		return cfg_relay_role_name((enum cfg_relay_role)ch->default_role);
	case PROFILE_CH_INPUT:
		return cfg_input_role_name((enum cfg_input_role)ch->default_role);
	case PROFILE_CH_OUTPUT:
		return cfg_output_role_name((enum cfg_output_role)ch->default_role);
	default:
		snprintf(buf, sizeof(buf), "%s", ch->default_role ? "enabled" : "disabled");
		return buf;
	}
}

static const char *section_of(enum profile_ch_kind k)
{
	switch (k) {
	case PROFILE_CH_RELAY:
		return "relays";
	case PROFILE_CH_CURRENT:
		return "current_sensors";
	case PROFILE_CH_NTC:
		return "temperature_sensors";
	case PROFILE_CH_HUMIDITY:
		return NULL;
	case PROFILE_CH_INPUT:
		return "inputs";
	case PROFILE_CH_OUTPUT:
		return "outputs";
	default:
		return "?";
	}
}

static void man_profiles(void)
{
	const struct profile *p;

	printf(".SH BOARD PROFILES\n");
	printf(".PP\nThe\n.B board\nkey selects one of these. Each lists the connectors, "
	       "jumpers and LEDs of its installation manual, then the channels that the "
	       "configuration sets, with the manual's name (accepted as a key in place of "
	       "the canonical one) and the default.\n");
	for (unsigned int i = 0; (p = profile_at(i)); i++) {
		const struct profile_conn *c;
		const struct profile_channel *ch;

		printf(".SS ");
		man_text(p->name);
		printf(" (");
		man_text(p->title);
		printf(")\n.PP\nConnectors, jumpers and LEDs:\n");
		for (unsigned int j = 0; (c = profile_conn_at(p, j)); j++) {
			printf(".TP\n.B ");
			man_text(c->name);
			printf("\n");
			if (c->title[0] >= 'a' && c->title[0] <= 'z')
				putchar(c->title[0] - 'a' + 'A');
			man_text(c->title + (c->title[0] >= 'a' && c->title[0] <= 'z'));
			printf(": ");
			man_text(c->function);
			printf(".\n");
			if (c->pins) {
				printf(".br\nPins: ");
				man_text(c->pins);
				printf(".\n");
			}
		}
		printf(".PP\nChannels and defaults:\n");
		for (unsigned int j = 0; (ch = profile_channel_at(p, j)); j++) {
			const char *sec = section_of(ch->kind);

			printf(".TP\n.B ");
			if (sec) {
				man_text(sec);
				printf(".");
			}
			man_text(ch->key);
			if (ch->alias) {
				printf(" \\fRor\\fB ");
				man_text(ch->alias);
			}
			printf("\n");
			if (ch->function[0] >= 'a' && ch->function[0] <= 'z')
				putchar(ch->function[0] - 'a' + 'A');
			man_text(ch->function + (ch->function[0] >= 'a' && ch->function[0] <= 'z'));
			printf("; signal ");
			man_text(ch->signal);
			printf(" on ");
			man_text(ch->connector);
			printf("; default ");
			man_text(role_name(ch));
			printf(".\n");
		}
	}
}

static void md_profiles(void)
{
	const struct profile *p;

	printf("\n## Board profiles\n");
	for (unsigned int i = 0; (p = profile_at(i)); i++) {
		const struct profile_conn *c;
		const struct profile_channel *ch;

		printf("\n### `%s` (%s)\n\n", p->name, p->title);
		printf("| connector | kind | function | pins |\n| --- | --- | --- | --- |\n");
		for (unsigned int j = 0; (c = profile_conn_at(p, j)); j++) {
			printf("| %s | %s | %s: ", c->name, profile_conn_kind_name(c->kind),
			       c->title);
			md_text(c->function);
			printf(" | ");
			md_text(c->pins ? c->pins : "");
			printf(" |\n");
		}
		printf("\n| key | also | signal | connector | default |\n"
		       "| --- | --- | --- | --- | --- |\n");
		for (unsigned int j = 0; (ch = profile_channel_at(p, j)); j++) {
			const char *sec = section_of(ch->kind);

			printf("| `%s%s%s` | %s | %s | %s | %s |\n", sec ? sec : "", sec ? "." : "",
			       ch->key, ch->alias ? ch->alias : "", ch->signal, ch->connector,
			       role_name(ch));
		}
	}
}

static void dict_aliases(void)
{
	const struct profile *p;

	for (unsigned int i = 0; (p = profile_at(i)); i++) {
		const struct profile_channel *ch;

		printf("\"%s\"\n", p->name);
		for (unsigned int j = 0; (ch = profile_channel_at(p, j)); j++) {
			printf("\"%s\"\n", ch->key);
			if (ch->alias)
				printf("\"%s\"\n", ch->alias);
		}
	}
}

static int usage(FILE *out, const char *prog)
{
	fprintf(out, "Usage: %s --man | --md | --keys | --dict | --connectors\n"
		     "Print the bmsd.yaml key reference from the configuration schema.\n",
		prog);
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	struct walk_state w;

	if (argc != 2)
		return usage(stderr, argv[0]);
	if (!strcmp(argv[1], "--connectors")) {
		const struct profile *p;

		for (unsigned int i = 0; (p = profile_at(i)); i++) {
			const struct profile_conn *c;

			for (unsigned int j = 0; (c = profile_conn_at(p, j)); j++)
				printf("%s %s\n", p->name, c->name);
		}
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	}
	if (!strcmp(argv[1], "--man"))
		w.mode = MAN;
	else if (!strcmp(argv[1], "--md"))
		w.mode = MD;
	else if (!strcmp(argv[1], "--keys"))
		w.mode = KEYS;
	else if (!strcmp(argv[1], "--dict"))
		w.mode = DICT;
	else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, argv[0]);
	else
		return usage(stderr, argv[0]);

	if (w.mode == MAN)
		printf(".\\\" The KEYS and BOARD PROFILES sections are generated by cfgdoc "
		       "from src/config/cfg_schema.c and src/profile.c.\n.SH KEYS\n");
	if (w.mode == MD)
		printf("## Keys\n");
	cfg_schema_walk(on_key, &w);
	if (w.mode == MAN)
		man_profiles();
	else if (w.mode == MD)
		md_profiles();
	else if (w.mode == DICT)
		dict_aliases();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("cfgdoc");
		return 1;
	}
	return 0;
}
