/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * view: the names of the published view's values, shared by every
 * interface that prints them.
 */
#include "view.h"

static const char *const state_names[VIEW_ST_COUNT] = {
	[VIEW_ST_UNCONFIGURED] = "unconfigured", [VIEW_ST_STARTING] = "starting",
	[VIEW_ST_STANDBY] = "standby",           [VIEW_ST_PRECHARGE] = "precharge",
	[VIEW_ST_CONNECTED] = "connected",       [VIEW_ST_SOFT_STOP] = "soft-stop",
	[VIEW_ST_FAULT] = "fault",
};

const char *view_state_name(enum view_state s)
{
	return (unsigned int)s < VIEW_ST_COUNT ? state_names[s] : "?";
}
