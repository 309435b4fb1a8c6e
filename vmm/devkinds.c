#include "devkinds.h"

#include "../devices/virtio_blk.h"
#include "../devices/virtio_console.h"
#include "../devices/virtio_net.h"
#include "../devices/virtio_rng.h"
#include "../devices/vhost_user_dev.h"
#include "virtiofsd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* A string option's value into a buffer of its own. */
static bool take(char *dst, size_t cap, const char *v, size_t len)
{
	if (len == 0 || len >= cap)
		return false;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return true;
}

/* Is path a file of that type (S_IFSOCK, S_IFDIR)? Else why not. */
static bool is_kind(const char *path, mode_t type, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st) < 0)
		snprintf(why, len, "%s", strerror(errno));
	else if ((st.st_mode & S_IFMT) != type)
		snprintf(why, len, "not a %s", type == S_IFSOCK ? "socket" : "directory");
	else
		return true;
	return false;
}

/* --fs tag=TAG,socket=PATH|dir=DIR[,bounce=SIZE] and
 * --vhost-user-blk socket=PATH[,ro][,bounce=SIZE] */
static enum cli_action parse_vhost(const char *val, struct vm_config *cfg, char *err, size_t errlen,
				   bool fs)
{
	const char *flag = fs ? "--fs" : "--vhost-user-blk", *p = val;
	unsigned *n = fs ? &cfg->nfs : &cfg->nvublk;
	struct cfg_vhost *v = fs ? &cfg->fs[*n] : &cfg->vublk[*n];
	char why[128];

	if (*n == CFG_MAX_DISKS)
		return cli_fail(err, errlen, "%s: at most %d", flag, CFG_MAX_DISKS);
	memset(v, 0, sizeof(*v));
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool ok = true;

		if (len > 7 && !strncmp(p, "socket=", 7))
			ok = take(v->socket, sizeof(v->socket), p + 7, len - 7);
		else if (fs && len > 4 && !strncmp(p, "dir=", 4))
			ok = take(v->dir, sizeof(v->dir), p + 4, len - 4);
		else if (fs && len > 4 && !strncmp(p, "tag=", 4))
			ok = take(v->tag, sizeof(v->tag), p + 4, len - 4);
		else if (!fs && len == 2 && !strncmp(p, "ro", 2))
			v->ro = 1;
		else if (len > 7 && !strncmp(p, "bounce=", 7)) {
			if (parse_bounce(p + 7, len - 7, &v->bounce) < 0)
				return cli_fail(err, errlen, "%s: bounce=%.*s is not a power of two from 64K to 1G",
					    flag, (int)len - 7, p + 7);
		} else
			return cli_fail(err, errlen, "%s: unknown option '%.*s' (%s)", flag, (int)len, p,
				    fs ? "tag=TAG,socket=PATH|dir=DIR[,bounce=SIZE]"
				       : "socket=PATH[,ro][,bounce=SIZE]");
		if (!ok)
			return cli_fail(err, errlen, "%s: '%.*s' is empty or too long", flag, (int)len, p);
		p += len + (end ? 1 : 0);
	}
	if (fs && !v->tag[0])
		return cli_fail(err, errlen, "--fs: tag=TAG is required (at most 36 bytes)");
	if (fs && !v->socket[0] == !v->dir[0])
		return cli_fail(err, errlen, "--fs %s: give one of socket=PATH (a running backend) and "
			    "dir=DIR (airlock starts virtiofsd)", v->tag);
	if (!fs && !v->socket[0])
		return cli_fail(err, errlen, "--vhost-user-blk: socket=PATH is required");
	if (v->socket[0] && !is_kind(v->socket, S_IFSOCK, why, sizeof(why)))
		return cli_fail(err, errlen, "%s: %s: %s", flag, v->socket, why);
	if (v->dir[0] && !is_kind(v->dir, S_IFDIR, why, sizeof(why)))
		return cli_fail(err, errlen, "--fs %s: dir=%s: %s", v->tag, v->dir, why);
	(*n)++;
	return CLI_RUN;
}

static enum cli_action parse_fs(const char *val, struct vm_config *cfg, char *err, size_t errlen)
{
	return parse_vhost(val, cfg, err, errlen, true);
}

static enum cli_action parse_vublk(const char *val, struct vm_config *cfg, char *err, size_t errlen)
{
	return parse_vhost(val, cfg, err, errlen, false);
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
static unsigned count_fs(const struct vm_config *cfg) { return cfg->nfs; }
static unsigned count_vublk(const struct vm_config *cfg) { return cfg->nvublk; }
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

static struct virtio_device *create_vhost(const struct cfg_vhost *c, bool fs, uint64_t *bounce)
{
	struct vhost_user_spec s = { fs ? VHOST_USER_FS : VHOST_USER_BLK, c->socket, c->ro, c->tag, 0,
				     NULL, NULL, NULL };
	struct virtiofsd *d;

	*bounce = c->bounce;
	/* dir=: the backend is a virtiofsd of airlock's own, stopped with the device. */
	if (fs && c->dir[0]) {
		if (!(d = virtiofsd_start(c->dir)))
			return NULL;
		s.socket = d->sock;
		s.on_destroy = virtiofsd_stop;
		s.describe = virtiofsd_describe;
		s.arg = d;
	}
	return vhost_user_create(&s);
}

static struct virtio_device *create_fs(const struct vm_config *cfg, unsigned i, uint64_t *bounce)
{
	return create_vhost(&cfg->fs[i], true, bounce);
}

static struct virtio_device *create_vublk(const struct vm_config *cfg, unsigned i, uint64_t *bounce)
{
	return create_vhost(&cfg->vublk[i], false, bounce);
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
	{ "vhost-user-blk", "vhost-user-blk", false, true,
	  "  --vhost-user-blk socket=PATH[,ro][,bounce=SIZE]  virtio-blk served by a\n"
	  "                       vhost-user backend (qemu-storage-daemon); repeatable  [none]\n",
	  parse_vublk, count_vublk, create_vublk, false },
	{ "vhost-user-fs", "fs", false, true,
	  "  --fs tag=TAG,socket=PATH|dir=DIR[,bounce=SIZE]  virtio-fs: a running\n"
	  "                       vhost-user backend, or virtiofsd on DIR (root);\n"
	  "                       repeatable  [none]\n",
	  parse_fs, count_fs, create_fs, false },
	{ "virtio-rng", "rng", true, false,
	  "  --rng                a virtio-rng device (guest /dev/hwrng)  [off]\n",
	  parse_rng, count_rng, create_rng, false },
	/* --console virtio (a general option: it also decides where typed
	 * input goes). */
	{ "virtio-console", NULL, false, false, NULL, NULL, count_console, create_console, true },
};

const unsigned device_nkinds = sizeof(device_kinds) / sizeof(device_kinds[0]);
