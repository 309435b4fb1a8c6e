#include "devkinds.h"

#include "../devices/virtio_blk.h"
#include "../devices/virtio_console.h"
#include "../devices/virtio_net.h"
#include "../devices/virtio_rng.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* --disk PATH[,ro][,bounce=SIZE] */
static enum cli_action parse_disk(const char *val, struct vm_config *cfg, char *err, size_t errlen)
{
	const char *comma = strchr(val, ',');
	size_t plen = comma ? (size_t)(comma - val) : strlen(val);
	struct cfg_disk *d;
	char *path, why[128];

	if (cfg->ndisks == CFG_MAX_DISKS)
		return cli_fail(err, errlen, "--disk: at most %d disks", CFG_MAX_DISKS);
	if (plen == 0 || plen >= sizeof(cfg->disk_paths[0]))
		return cli_fail(err, errlen, "--disk: '%s' has no usable path", val);
	d = &cfg->disks[cfg->ndisks];
	path = cfg->disk_paths[cfg->ndisks];
	memcpy(path, val, plen);
	path[plen] = '\0';
	d->ro = 0;
	d->bounce = 0;
	while (comma) {
		const char *opt = comma + 1;

		comma = strchr(opt, ',');
		size_t olen = comma ? (size_t)(comma - opt) : strlen(opt);

		if (olen == 2 && !strncmp(opt, "ro", 2))
			d->ro = 1;
		else if (olen > 7 && !strncmp(opt, "bounce=", 7)) {
			if (parse_bounce(opt + 7, olen - 7, &d->bounce) < 0)
				return cli_fail(err, errlen,
					    "--disk %s: bounce=%.*s is not a power of two from 64K to 1G",
					    path, (int)olen - 7, opt + 7);
		} else
			return cli_fail(err, errlen, "--disk %s: unknown option '%.*s' (known: ro, bounce=)",
				    path, (int)olen, opt);
	}
	if (access(path, d->ro ? R_OK : R_OK | W_OK) < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		return cli_fail(err, errlen, "--disk %s: %s", path, why);
	}
	d->path = path;
	cfg->ndisks++;
	return CLI_RUN;
}

/* --net tap=NAME[,mac=xx:xx:xx:xx:xx:xx] */
static enum cli_action parse_net(const char *val, struct vm_config *cfg, char *err, size_t errlen)
{
	struct cfg_net *n;
	const char *p = val;

	if (cfg->nnets == CFG_MAX_DISKS)
		return cli_fail(err, errlen, "--net: at most %d interfaces", CFG_MAX_DISKS);
	n = &cfg->nets[cfg->nnets];
	memset(n, 0, sizeof(*n));
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 4 && !strncmp(p, "tap=", 4)) {
			if (len - 4 >= sizeof(n->tap))
				return cli_fail(err, errlen, "--net: tap name '%.*s' is too long", (int)len - 4,
					    p + 4);
			memcpy(n->tap, p + 4, len - 4);
			n->tap[len - 4] = '\0';
		} else if (len == 21 && !strncmp(p, "mac=", 4)) {
			unsigned m[6];
			char c;

			if (sscanf(p + 4, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
				   &m[5], &c) < 6 || (m[0] & 1))
				return cli_fail(err, errlen, "--net: '%.*s' is not a unicast MAC address",
					    (int)len, p);
			for (int i = 0; i < 6; i++)
				n->mac[i] = (uint8_t)m[i];
			n->has_mac = 1;
		} else if (len > 7 && !strncmp(p, "bounce=", 7)) {
			if (parse_bounce(p + 7, len - 7, &n->bounce) < 0)
				return cli_fail(err, errlen, "--net: bounce=%.*s is not a power of two from 64K to 1G",
					    (int)len - 7, p + 7);
		} else {
			return cli_fail(err, errlen, "--net: unknown option '%.*s' (tap=NAME[,mac=MAC][,bounce=SIZE])",
				    (int)len, p);
		}
		p += len + (end ? 1 : 0);
	}
	if (!n->tap[0])
		return cli_fail(err, errlen, "--net: tap=NAME is required");
	cfg->nnets++;
	return CLI_RUN;
}

static enum cli_action parse_rng(const char *val, struct vm_config *cfg, char *err, size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	cfg->rng = 1;
	return CLI_RUN;
}

static unsigned count_disks(const struct vm_config *cfg) { return cfg->ndisks; }
static unsigned count_nets(const struct vm_config *cfg) { return cfg->nnets; }
static unsigned count_rng(const struct vm_config *cfg) { return cfg->rng ? 1 : 0; }
static unsigned count_console(const struct vm_config *cfg) { return cfg->virtio_console ? 1 : 0; }

static struct virtio_device *create_disk(const struct vm_config *cfg, unsigned i, uint64_t *bounce)
{
	*bounce = cfg->disks[i].bounce;
	return virtio_blk_create(cfg->disks[i].path, cfg->disks[i].ro);
}

static struct virtio_device *create_net(const struct vm_config *cfg, unsigned i, uint64_t *bounce)
{
	const struct cfg_net *n = &cfg->nets[i];

	*bounce = n->bounce;
	return virtio_net_create(n->tap, n->has_mac ? n->mac : NULL);
}

static struct virtio_device *create_rng(const struct vm_config *cfg, unsigned i, uint64_t *bounce)
{
	(void)cfg;
	(void)i;
	*bounce = 0;
	return virtio_rng_create();
}

static struct virtio_device *create_console(const struct vm_config *cfg, unsigned i, uint64_t *bounce)
{
	(void)cfg;
	(void)i;
	*bounce = 0;
	return virtio_console_create(STDOUT_FILENO);
}

const struct device_kind device_kinds[] = {
	{ "virtio-blk", "disk", false, true,
	  "  --disk PATH[,ro][,bounce=SIZE]  a virtio-blk disk on a raw image;\n"
	  "                       repeatable  [none]\n",
	  parse_disk, count_disks, create_disk, false },
	{ "virtio-net", "net", false, true,
	  "  --net tap=NAME[,mac=MAC][,bounce=SIZE]  virtio-net on an existing tap;\n"
	  "                       repeatable  [none]\n",
	  parse_net, count_nets, create_net, false },
	{ "virtio-rng", "rng", true, false,
	  "  --rng                a virtio-rng device (guest /dev/hwrng)  [off]\n",
	  parse_rng, count_rng, create_rng, false },
	/* --console virtio (a general option: it also decides where typed
	 * input goes). */
	{ "virtio-console", NULL, false, false, NULL, NULL, count_console, create_console, true },
};

const unsigned device_nkinds = sizeof(device_kinds) / sizeof(device_kinds[0]);
