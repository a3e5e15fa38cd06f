/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json: strings for JSON text (RFC 8259), the one escaper of bmsctl, the
 * status screen and the CAN counters.
 *
 * '"' and '\' get a backslash; backspace, form feed, newline, carriage
 * return and tab their short forms (\b \f \n \r \t); the other bytes below
 * 0x20, and 0x7F, become \u00XX. Valid UTF-8 passes unchanged. A byte that
 * does not begin a valid UTF-8 sequence (an overlong form, a surrogate, a
 * stray continuation byte, a sequence cut short) becomes \ufffd, so that the
 * output is valid JSON whatever the input holds.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Where json_escape() writes. @s is @n bytes, not NUL-terminated, and is
 * either one escape (it begins with '\') or a run of whole characters with
 * nothing to escape; a consumer that must stop early can cut a run at any
 * character boundary but must take an escape whole or not at all.
 */
typedef void json_put_fn(void *arg, const char *s, size_t n);

/* @s as the body of a JSON string, without the quotes, through @put. */
void json_escape(const char *s, json_put_fn *put, void *arg);

/*
 * @s as the body of a JSON string, without the quotes, into @buf of @size
 * bytes. An escape or a UTF-8 character that does not fit is left out,
 * with everything after it, so the body is never cut inside one; @buf is
 * NUL-terminated whenever @size > 0. Returns the length of the whole body,
 * as snprintf() does: the body was cut when that is >= @size.
 */
size_t json_escape_buf(char *buf, size_t size, const char *s);

/* @s as a JSON string with its quotes on @f, or null when @s is NULL. */
void json_fprint_str(FILE *f, const char *s);

#endif /* JSON_H */
