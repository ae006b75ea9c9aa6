// SPDX-License-Identifier: GPL-2.0
/*
 * muse_main.c - module entry points of muse.ko ("MTD in userspace").
 *
 * Registers the /dev/muse misc device, the workqueue that registers and
 * unregisters MUSE MTDs, and an MTD notifier that gives partitions their
 * muse_pid attribute.  It holds no per-connection state.  Module exit
 * relies on the MTD core's module references: while any MUSE MTD has a
 * user, rmmod fails with "in use", and pending unregistrations are
 * flushed before the workqueue goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "muse.h"

/*
 * Unbound and reclaim-safe: the INIT worker may wait on the server for
 * as long as it likes, and unregistration may write back mtdblock data.
 */
struct workqueue_struct *muse_wq;

/*
 * The FUSE minor announced in MUSE_INIT: 35 offers the flashfault
 * extensions v1, 33 behaves exactly as the v3 series (for regression
 * tests against the extensions).  Fixed at load time.
 */
unsigned int muse_fuse_minor = MUSE_EXT_MINOR;
module_param_named(fuse_minor, muse_fuse_minor, uint, 0444);
MODULE_PARM_DESC(fuse_minor,
		 "FUSE minor announced in MUSE_INIT (>= 33; >= 35 offers extensions, default 35)");

atomic_t muse_live_conns = ATOMIC_INIT(0);
atomic_t muse_live_reqs = ATOMIC_INIT(0);
atomic_t muse_live_direct = ATOMIC_INIT(0);
static struct dentry *muse_debugfs;

static ssize_t muse_pid_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct mtd_info *mtd = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", mtd_to_conn(mtd)->server_pid);
}
static DEVICE_ATTR_RO(muse_pid);

static struct attribute *muse_mtd_attrs[] = {
	&dev_attr_muse_pid.attr,
	NULL,
};

static const struct attribute_group muse_mtd_group = {
	.attrs = muse_mtd_attrs,
};

/* For the master's dev.groups, set before registration. */
const struct attribute_group *muse_mtd_groups[] = {
	&muse_mtd_group,
	NULL,
};

/*
 * Partitions are allocated by the core, so their attribute is added once
 * they exist.  Runs under mtd_table_mutex, which keeps the master alive.
 */
static void muse_notify_add(struct mtd_info *mtd)
{
	if (!mtd_is_partition(mtd) || !muse_owns_mtd(mtd))
		return;
	if (device_create_file(&mtd->dev, &dev_attr_muse_pid))
		pr_warn("%s: cannot add muse_pid\n", mtd->name);
}

static void muse_notify_remove(struct mtd_info *mtd)
{
	if (!mtd_is_partition(mtd) || !muse_owns_mtd(mtd))
		return;
	device_remove_file(&mtd->dev, &dev_attr_muse_pid);
}

static struct mtd_notifier muse_notifier = {
	.add	= muse_notify_add,
	.remove	= muse_notify_remove,
};

static struct miscdevice muse_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "muse",
	.fops	= &muse_fops,
};

static int __init muse_init(void)
{
	int err;

	if (muse_fuse_minor < MUSE_V3_MINOR_VERSION) {
		pr_err("fuse_minor %u below %u\n", muse_fuse_minor,
		       MUSE_V3_MINOR_VERSION);
		return -EINVAL;
	}
	muse_wq = alloc_workqueue("muse", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!muse_wq)
		return -ENOMEM;

	register_mtd_user(&muse_notifier);

	err = misc_register(&muse_miscdev);
	if (err) {
		unregister_mtd_user(&muse_notifier);
		destroy_workqueue(muse_wq);
		return err;
	}
	/* Tests read these; a kernel without debugfs simply has none. */
	muse_debugfs = debugfs_create_dir("muse", NULL);
	debugfs_create_atomic_t("live_connections", 0444, muse_debugfs,
				&muse_live_conns);
	debugfs_create_atomic_t("live_requests", 0444, muse_debugfs,
				&muse_live_reqs);
	debugfs_create_atomic_t("live_direct", 0444, muse_debugfs,
				&muse_live_direct);
	return 0;
}

static void __exit muse_exit(void)
{
	/* No new connections; then let queued unregistrations finish. */
	misc_deregister(&muse_miscdev);
	destroy_workqueue(muse_wq);
	unregister_mtd_user(&muse_notifier);
	debugfs_remove_recursive(muse_debugfs);
	/* Every file is closed and every MTD gone: anything alive leaked. */
	WARN(atomic_read(&muse_live_conns) || atomic_read(&muse_live_reqs) ||
	     atomic_read(&muse_live_direct),
	     "muse: leaked %d connections, %d requests, %d direct maps\n",
	     atomic_read(&muse_live_conns), atomic_read(&muse_live_reqs),
	     atomic_read(&muse_live_direct));
}

module_init(muse_init);
module_exit(muse_exit);

MODULE_DESCRIPTION("MTD devices backed by a userspace server (MUSE)");
MODULE_LICENSE("GPL");
