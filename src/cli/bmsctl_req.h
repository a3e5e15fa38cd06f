/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bmsctl_req: the commands that ask bmsd over its control socket. */
#ifndef BMSCTL_REQ_H
#define BMSCTL_REQ_H

#include "bmsctl_cmd.h"

int do_status(const struct cmd *c, int argc, char **argv, struct opts *o);
int do_watch(const struct cmd *cmd, int argc, char **argv, struct opts *o);
int do_reset_faults(const struct cmd *c, int argc, char **argv, struct opts *o);
int do_relays(const struct cmd *c, int argc, char **argv, struct opts *o);
/* connect and disconnect */
int do_connect(const struct cmd *c, int argc, char **argv, struct opts *o);
int do_can(const struct cmd *c, int argc, char **argv, struct opts *o);
int do_set_soc(const struct cmd *c, int argc, char **argv, struct opts *o);
int do_reset_soc(const struct cmd *c, int argc, char **argv, struct opts *o);

#endif /* BMSCTL_REQ_H */
